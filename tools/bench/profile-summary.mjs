#!/usr/bin/env node
// Self time of a V8 CPU profile (`node --cpu-prof`), by function and by package.
//   node tools/bench/profile-summary.mjs <file.cpuprofile | folder of them> [--window <fromUs>:<toUs>] [--top <n>] [--match <regex>]
// --window keeps the samples taken within that span of CLOCK_MONOTONIC µs (the profile's own clock;
// bench:gateway writes each measured run's span to windows.json beside the profiles).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const [value] = args.splice(index, 2).slice(1);
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
};
const top = Number(option('--top') ?? 15);
const window = option('--window')?.split(':').map(Number);
// Also list the functions matching this pattern (name and file) by inclusive time.
const match = option('--match');
if (args.length === 0) {
  console.error('usage: profile-summary.mjs <file.cpuprofile | folder> [--window <fromUs>:<toUs>] [--top <n>]');
  process.exit(2);
}

const files = args.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(path, name))
    : [path],
);

/** Where a frame's code comes from: an npm package, a workspace project, Node itself or V8. */
function packageOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 / native)';
  if (url.startsWith('node:'))
    return `node:${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, name] = path.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const workspace = path.match(/\/(apps|libs|tools)\/([^/]+)\//);
  if (workspace) return workspace[1] === 'libs' ? `@shop/${workspace[2]}` : `${workspace[1]}/${workspace[2]}`;
  return path;
}

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/((?:apps|libs|tools)\/)/, '$1');

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map();
  const byPackage = new Map();
  const onStack = new Map();
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // The packages on a node's stack, each once: inclusive time by package.
  const stackPackages = new Map();
  const stackFunctions = new Map();
  const byFunctionOnStack = new Map();
  const frameName = ({ functionName, url, lineNumber }) => `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
  const matcher = match === undefined ? undefined : new RegExp(match);
  // The matching functions on a node's stack, each once.
  const functionsOnStack = (id) => {
    let names = stackFunctions.get(id);
    if (names) return names;
    const parent = parents.get(id);
    names = new Set(parent === undefined ? [] : functionsOnStack(parent));
    const name = frameName(nodes.get(id).callFrame);
    if (matcher.test(name)) names.add(name);
    stackFunctions.set(id, names);
    return names;
  };
  const packagesOnStack = (id) => {
    let packages = stackPackages.get(id);
    if (packages) return packages;
    const parent = parents.get(id);
    const { callFrame } = nodes.get(id);
    packages = new Set(parent === undefined ? [] : packagesOnStack(parent));
    if (callFrame.url) packages.add(packageOf(callFrame.url, callFrame.functionName));
    stackPackages.set(id, packages);
    return packages;
  };
  let total = 0;
  let idle = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    // A sample stands for the time until the next one (as DevTools counts it).
    const duration = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1] : 0;
    if (window && (time < window[0] || time > window[1])) continue;
    const { callFrame } = nodes.get(profile.samples[i]);
    total += duration;
    if (callFrame.functionName === '(idle)') {
      idle += duration;
      continue;
    }
    const name = frameName(callFrame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + duration);
    const pkg = packageOf(callFrame.url, callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + duration);
    for (const onStackPkg of packagesOnStack(profile.samples[i])) onStack.set(onStackPkg, (onStack.get(onStackPkg) ?? 0) + duration);
    if (matcher) for (const fn of functionsOnStack(profile.samples[i])) byFunctionOnStack.set(fn, (byFunctionOnStack.get(fn) ?? 0) + duration);
  }
  const busy = total - idle;
  const share = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  const table = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `  ${share(us)} ${ms(us)}  ${name}`)
      .join('\n');
  console.log(`${file}${window ? ` (window ${window[0]}:${window[1]})` : ''}`);
  console.log(
    `  sampled ${ms(total)}, busy ${ms(busy)} (${((100 * busy) / Math.max(total, 1)).toFixed(0)} % of the time), idle ${ms(idle)}; shares below are of the busy time`,
  );
  console.log(`self time by package:\n${table(byPackage)}`);
  console.log(`self time by function:\n${table(byFunction)}`);
  console.log(`time with the package anywhere on the stack (inclusive; overlaps):\n${table(onStack)}`);
  if (matcher) console.log(`time with the function on the stack, functions matching /${match}/ (inclusive; overlaps):\n${table(byFunctionOnStack)}`);
  console.log('');
}

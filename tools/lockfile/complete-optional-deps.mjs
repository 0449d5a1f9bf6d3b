#!/usr/bin/env node
// The npm registry this project is built from serves only the Linux builds of packages with
// per-platform binaries (@swc/core-darwin-arm64 and the like are missing there), so `npm install`
// cannot record them in package-lock.json, and `npm ci` then refuses the lock file as out of sync
// ("Missing: @swc/core-darwin-arm64@ from lock file"). This adds each missing optional platform
// package as an entry marked optional with its os/cpu, which npm skips on other platforms.
// Run after every change of dependencies: `npm run lock:complete`; `--check` (in `npm test`) only
// reports, and fails if an entry is missing.
import { readFileSync, writeFileSync } from 'node:fs';

const checkOnly = process.argv.includes('--check');
const file = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = {
  x64: 'x64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: 'ia32',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips64el: 'mips64el',
};

/** os, cpu and libc of a platform package, read from its name (`@swc/core-linux-arm64-musl`). */
function platformOf(name) {
  const tokens = name.replace(/^@[^/]+\//, '').split(/[-_/]/);
  const os = tokens.filter((t) => OS.includes(t));
  const cpu = tokens.filter((t) => t in CPU).map((t) => CPU[t]);
  if (tokens.includes('universal')) cpu.push('x64', 'arm64');
  const libc = tokens.includes('musl') ? ['musl'] : tokens.includes('gnu') || tokens.includes('gnueabihf') ? ['glibc'] : undefined;
  return { os: os.length ? os : undefined, cpu: cpu.length ? cpu : undefined, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os && !cpu) continue; // not a platform package: leave it to npm
    packages[hoisted] = { version, ...(cpu && { cpu }), ...(libc && { libc }), optional: true, ...(os && { os }) };
    added++;
  }
}
if (checkOnly) {
  if (added > 0) {
    console.error(`lock:check: ${added} optional platform package(s) missing from package-lock.json; run \`npm run lock:complete\``);
    process.exit(1);
  }
  console.log('lock:check: package-lock.json records every optional platform package');
  process.exit(0);
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock:complete: ${added} optional platform package(s) recorded`);

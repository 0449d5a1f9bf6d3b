// What the container image of one app holds, and how it is put together: the app's build, the
// workspace libraries it loads (their build and package.json) and the npm packages their code loads,
// installed from a lock file Nx prunes to them. docker/Dockerfile runs tools/images/assemble.mjs,
// which calls assembleImage; tools/images/test assembles the same trees and starts apps from them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const WORKSPACE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** '@scope/name/sub/path' → '@scope/name'; 'name/sub' → 'name'. */
export const packageNameOf = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

/** 'node_modules/a/node_modules/@s/b' (a lock file's key) → '@s/b'. */
const packageNameAt = (lockPath) => lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * Whether a file of a project's dist/ goes into an image: not type declarations nor tsc's build state,
 * and not test helpers (`testing/` folders, outside the "production" file set of nx.json as well).
 */
const isShipped = (pathInDist) => !/(\.d\.[cm]?ts|\.d\.[cm]?ts\.map|\.tsbuildinfo)$/.test(pathInDist) && !/(^|[\\/])testing([\\/]|$)/.test(pathInDist);
const isModule = (path) => /\.[cm]?js$/.test(path);

/** Files of installed packages that node never reads: type declarations, and source maps of JavaScript. */
const NEVER_READ = /\.(d\.[cm]?ts|d\.[cm]?ts\.map|[cm]?js\.map)$/;

/** The npm workspaces (root package.json "workspaces", `dir/*` patterns), by package name. */
export function workspacePackages(root = WORKSPACE_ROOT) {
  const packages = new Map();
  for (const pattern of readJson(join(root, 'package.json')).workspaces ?? []) {
    if (!pattern.endsWith('/*') || pattern.slice(0, -2).includes('*')) throw new Error(`workspace pattern '${pattern}': only 'dir/*' is supported`);
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const dir = join(parent, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      const manifest = readJson(join(dir, 'package.json'));
      packages.set(manifest.name, { name: manifest.name, dir, manifest });
    }
  }
  return packages;
}

/** The file of a workspace package's export (`.`, `./sub`) that plain node loads (not `@shop/source`). */
function exportTarget(workspace, subpath) {
  const entry = workspace.manifest.exports?.[subpath];
  const target = typeof entry === 'string' ? entry : (entry?.import ?? entry?.node ?? entry?.default);
  if (typeof target !== 'string') throw new Error(`${workspace.name} exports no '${subpath}' that node can load`);
  return join(workspace.dir, target);
}

/**
 * Module specifiers of built JavaScript: static imports and re-exports, `import('…')` and `require('…')`
 * with literal names (TypeScript's own scanner); and the literal names given to `require.resolve`,
 * `import.meta.resolve`, or a function made by `createRequire` under any name, or its `.resolve`
 * (`const load = createRequire(import.meta.url); load('…')`: how a package is loaded only when needed), also called
 * where it is made (`createRequire(import.meta.url).resolve('…')`).
 */
export function specifiersOf(text) {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((file) => file.fileName);
  const requireFunctions = [...text.matchAll(/([A-Za-z_$][\w$]*)\s*=\s*(?:[\w$]+\.)?createRequire\s*\(/g)].map((match) => match[1].replaceAll('$', '\\$'));
  // `createRequire(import.meta.url)('…')` / `.resolve('…')`: the function called where it is made.
  for (const callee of new Set(['require', 'import\\.meta', String.raw`createRequire\([^()]*\)`, ...requireFunctions])) {
    const call = new RegExp(String.raw`(?<![\w$.])${callee}(?:\.resolve)?\(\s*(['"])([^'"\n]+)\1\s*[,)]`, 'g');
    for (const match of text.matchAll(call)) found.push(match[2]);
  }
  return [...new Set(found)];
}

/** The files of a project's dist/ that an image ships (`isShipped`), as absolute paths. */
function shippedFiles(projectDir) {
  const dist = join(projectDir, 'dist');
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => isShipped(relative(dist, file)));
}

/**
 * What an app's image must hold for every file it ships to load: the workspace libraries and npm
 * packages named (`specifiersOf`) by the app's dist/ and, transitively, by the dist/ of each library
 * named so. A library's whole build is shipped, so all of its modules count, not only those the app's
 * main.js reaches: its command-line tools run in the image too (`node libs/messaging/dist/cli/dlq.js`).
 * Returns the app's workspace package, the library names and each npm package with the files naming it.
 * Needs the app and its libraries built.
 */
export function importClosure(app, root = WORKSPACE_ROOT) {
  const workspaces = workspacePackages(root);
  const appPackage = [...workspaces.values()].find((workspace) => workspace.dir === join(root, 'apps', app));
  if (!appPackage) throw new Error(`no app '${app}' (no apps/${app}/package.json)`);
  const main = join(appPackage.dir, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${relative(root, main)} is missing: build the app first (nx run ${appPackage.name}:build)`);

  const libraries = new Set();
  const packages = new Map();
  const seen = new Set();
  const pending = shippedFiles(appPackage.dir).filter(isModule);
  const where = (file) => relative(root, file);
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const workspaceOfFile = [...workspaces.values()].find((workspace) => file.startsWith(join(workspace.dir, 'dist') + sep));
    if (!workspaceOfFile || !isShipped(relative(join(workspaceOfFile.dir, 'dist'), file))) {
      throw new Error(`${where(file)} is loaded but would not be in the image`);
    }
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      if (isBuiltin(specifier)) continue;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = resolve(dirname(file), specifier);
        if (!existsSync(target) || !statSync(target).isFile()) throw new Error(`${where(file)} loads '${specifier}', which is not a file`);
        pending.push(target);
        continue;
      }
      const name = packageNameOf(specifier);
      const workspace = workspaces.get(name);
      if (!workspace) {
        if (!packages.has(name)) packages.set(name, new Set());
        packages.get(name).add(where(file));
        continue;
      }
      if (!workspace.dir.startsWith(join(root, 'libs') + sep)) throw new Error(`${where(file)} loads ${name}, which is not a library`);
      const target = exportTarget(workspace, specifier === name ? '.' : `.${specifier.slice(name.length)}`);
      if (!existsSync(target)) throw new Error(`${where(target)} (${specifier}) is missing: build ${name} first`);
      pending.push(target);
      if (!libraries.has(name)) {
        libraries.add(name);
        pending.push(...shippedFiles(workspace.dir).filter(isModule));
      }
    }
  }
  return { app: appPackage, libraries, packages };
}

/**
 * The image's package.json: the npm packages of `importClosure`, and the drivers the app's
 * package.json declares that one of those loads by name (an optional peer dependency of it, as TypeORM
 * loads `better-sqlite3`), each at the version the root lock file installs. Not shipped: what the app
 * declares besides (`unshipped`), and what its libraries declare that no shipped file loads
 * (`unloaded`: the gateway loads @shop/persistence, which declares better-sqlite3).
 */
export function imageManifest(app, root = WORKSPACE_ROOT) {
  const closure = importClosure(app, root);
  const workspaces = workspacePackages(root);
  const rootManifest = readJson(join(root, 'package.json'));
  const rootLock = readJson(join(root, 'package-lock.json'));
  for (const name of [closure.app.name, ...closure.libraries]) {
    const dir = relative(root, workspaces.get(name).dir).split(sep).join('/');
    const own = Object.keys(rootLock.packages).find((path) => path.startsWith(`${dir}/node_modules/`));
    if (own) throw new Error(`${own}: a workspace's own copy of a package is not supported (the image installs one node_modules at its root)`);
  }
  const installed = (name) => {
    const entry = rootLock.packages[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`${name}, which ${app} loads, is not in package-lock.json`);
    const by = [...(closure.packages.get(name) ?? [`apps/${app}/package.json`])].join(', ');
    if (entry.dev) throw new Error(`${name} is loaded by ${by} but installed as a development dependency only`);
    return entry;
  };
  const loaded = [...closure.packages.keys()];
  const loadedByName = new Set(loaded.flatMap((name) => Object.keys(installed(name).peerDependencies ?? {})));
  const declared = Object.keys(closure.app.manifest.dependencies ?? {}).filter((name) => !workspaces.has(name) && !closure.packages.has(name));
  const drivers = declared.filter((name) => loadedByName.has(name));
  const dependencies = Object.fromEntries([...loaded, ...drivers].sort().map((name) => [name, installed(name).version]));
  const librariesDeclare = [...closure.libraries].flatMap((name) => Object.keys(workspaces.get(name).manifest.dependencies ?? {}));
  const unloaded = [...new Set(librariesDeclare)].filter((name) => !workspaces.has(name) && !(name in dependencies)).sort();
  const manifest = {
    name: `${closure.app.name}-image`,
    version: closure.app.manifest.version,
    private: true,
    type: 'module',
    ...(rootManifest.engines && { engines: rootManifest.engines }),
    dependencies,
    // npm refuses an override of a direct dependency; the others may concern a package further down.
    ...(rootManifest.overrides && { overrides: Object.fromEntries(Object.entries(rootManifest.overrides).filter(([name]) => !(name in dependencies))) }),
    ...(rootManifest.allowScripts && { allowScripts: rootManifest.allowScripts }),
  };
  return { manifest, closure, drivers, unshipped: declared.filter((name) => !loadedByName.has(name)), unloaded };
}

/**
 * The project graph for Nx to prune the lock file with, minus its edges to the optional peer
 * dependencies the image does not ship. Nx follows every peer the workspace has installed: TypeORM,
 * whose optional peers are the database drivers it supports, would bring ioredis and better-sqlite3
 * into every app that uses it, though a driver is only loaded by name when configured.
 */
export function withoutUnshippedOptionalPeers(graph, lock, shipped) {
  const optionalPeers = new Map();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const optional = Object.entries(entry.peerDependenciesMeta ?? {}).filter(([name, meta]) => meta.optional && !shipped.has(name));
    if (optional.length > 0) optionalPeers.set(`${packageNameAt(path)}@${entry.version}`, new Set(optional.map(([name]) => name)));
  }
  const dependencies = {};
  for (const [source, edges] of Object.entries(graph.dependencies)) {
    const node = graph.externalNodes[source];
    const dropped = node && optionalPeers.get(`${node.data.packageName}@${node.data.version}`);
    dependencies[source] = dropped ? edges.filter((edge) => !dropped.has(graph.externalNodes[edge.target]?.data.packageName)) : edges;
  }
  return { ...graph, dependencies };
}

/**
 * The image's package.json and its lock file, pruned by Nx (`createLockFile`) from the root
 * package-lock.json to the manifest's dependencies and theirs; the manifest's `overrides` and
 * `allowScripts` keep only the packages that lock file holds. Loads the Nx project graph.
 */
export async function prunedManifestAndLock(app, root = WORKSPACE_ROOT) {
  const { manifest, ...rest } = imageManifest(app, root);
  const { createProjectGraphAsync } = await import('@nx/devkit');
  const { createLockFile } = await import('@nx/js');
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const rootLock = readJson(join(root, 'package-lock.json'));
  const shipped = new Set(Object.keys(manifest.dependencies));
  const lock = JSON.parse(createLockFile(structuredClone(manifest), withoutUnshippedOptionalPeers(graph, rootLock, shipped), 'npm'));
  // When it cannot prune, createLockFile logs why and returns the root lock file whole: refuse that.
  if (Object.keys(lock.packages).some((path) => path !== '' && !path.startsWith('node_modules/'))) {
    throw new Error(`Nx could not prune package-lock.json for ${app} (its error is above)`);
  }
  const held = new Set(Object.keys(lock.packages).map(packageNameAt));
  for (const field of ['overrides', 'allowScripts']) {
    if (!manifest[field]) continue;
    manifest[field] = Object.fromEntries(Object.entries(manifest[field]).filter(([name]) => held.has(name)));
    if (Object.keys(manifest[field]).length === 0) delete manifest[field];
  }
  delete lock.overrides;
  if (manifest.overrides) lock.overrides = manifest.overrides;
  // The root entry as npm writes it.
  lock.packages[''] = {
    name: manifest.name,
    version: manifest.version,
    dependencies: manifest.dependencies,
    ...(manifest.engines && { engines: manifest.engines }),
  };
  return { manifest, lock, ...rest };
}

/** Bytes of the files under a path. */
export function sizeOf(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return stat?.size ?? 0;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

/**
 * Removes from an installed node_modules what node never reads (`NEVER_READ`), and better-sqlite3's
 * build leftovers (compiled objects, static library, test extension, the SQLite and C++ sources):
 * it loads build/Release/better_sqlite3.node alone. Returns the bytes removed.
 */
export function slimNodeModules(nodeModules) {
  let removed = 0;
  const remove = (path) => {
    removed += sizeOf(path);
    rmSync(path, { recursive: true, force: true });
  };
  const sqlite = join(nodeModules, 'better-sqlite3');
  const release = join(sqlite, 'build', 'Release');
  if (existsSync(join(release, 'better_sqlite3.node'))) {
    for (const dir of ['deps', 'src']) remove(join(sqlite, dir));
    for (const entry of readdirSync(join(sqlite, 'build'))) if (entry !== 'Release') remove(join(sqlite, 'build', entry));
    for (const entry of readdirSync(release)) if (entry !== 'better_sqlite3.node') remove(join(release, entry));
  }
  for (const entry of readdirSync(nodeModules, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && NEVER_READ.test(entry.name)) remove(join(entry.parentPath, entry.name));
  }
  return removed;
}

/** Copies a workspace package's package.json and the shipped files of its dist/ (`isShipped`). */
function copyBuild(from, to) {
  mkdirSync(to, { recursive: true });
  cpSync(join(from, 'package.json'), join(to, 'package.json'));
  const dist = join(from, 'dist');
  cpSync(dist, join(to, 'dist'), { recursive: true, filter: (source) => source === dist || isShipped(relative(dist, source)) });
}

/**
 * Writes the image's tree into `outDir` (missing or empty), laid out as the workspace is:
 * - package.json and package-lock.json (`prunedManifestAndLock`) and, unless `install` is false, the
 *   node_modules `npm ci --omit=dev` installs from them (`slimNodeModules` after);
 * - apps/<app>/ and libs/<lib>/ for each library: package.json and dist/ (`isShipped`);
 * - node_modules/@shop/<lib>, a link to libs/<lib>, as npm links a workspace.
 * `node apps/<app>/dist/main.js` in it starts the app; `node libs/messaging/dist/cli/dlq.js` the DLQ tool.
 */
export async function assembleImage(app, outDir, { install = true, root = WORKSPACE_ROOT, log = console.log } = {}) {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`${outDir} is not empty`);
  const { manifest, lock, closure, drivers, unshipped, unloaded } = await prunedManifestAndLock(app, root);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outDir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  if (install) {
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: outDir, stdio: 'inherit' });
    log(
      `removed ${(slimNodeModules(join(outDir, 'node_modules')) / 1e6).toFixed(1)} MB that node never reads (declarations, source maps, better-sqlite3's build leftovers)`,
    );
  }
  copyBuild(closure.app.dir, join(outDir, relative(root, closure.app.dir)));
  const workspaces = workspacePackages(root);
  for (const name of [...closure.libraries].sort()) {
    const libraryDir = join(outDir, relative(root, workspaces.get(name).dir));
    copyBuild(workspaces.get(name).dir, libraryDir);
    const link = join(outDir, 'node_modules', ...name.split('/'));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), libraryDir), link, 'dir');
  }
  log(
    `${closure.app.name}: ${closure.libraries.size} libraries, ${Object.keys(manifest.dependencies).length} npm packages (${Object.keys(lock.packages).length - 1} with theirs)`,
  );
  if (drivers.length > 0) log(`  loaded by name, declared in apps/${app}/package.json: ${drivers.join(', ')}`);
  if (unshipped.length > 0) log(`  declared in apps/${app}/package.json but loaded by none of its files, so not shipped: ${unshipped.join(', ')}`);
  if (unloaded.length > 0) log(`  declared by its libraries but loaded by none of their files, so not shipped: ${unloaded.join(', ')}`);
  return { manifest, lock, closure };
}

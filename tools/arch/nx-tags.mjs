// Nx tags check: every project under apps/, libs/ and tools/ carries its Nx tags.
//   apps/<ctx>   -> "type:app" and "scope:<ctx>"
//   libs/<name>  -> at least one "type:<...>"
//   tools/<name> -> at least one "type:<...>"
// A project is a folder with a package.json (npm workspace) or a project.json (Nx). A folder under
// apps/ or libs/ with content but neither file is reported too: it would escape Nx and npm.
// Plain ESM JavaScript so it runs without a build step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const KINDS = ['apps', 'libs', 'tools'];
const IGNORED_ENTRIES = new Set(['node_modules', 'dist', '.DS_Store']);

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function tagsOf(json) {
  const tags = json?.nx?.tags ?? json?.tags;
  return Array.isArray(tags) ? tags.filter((t) => typeof t === 'string') : [];
}

/**
 * @param {string} rootDir repository root (or a fixture laid out like it)
 * @returns {{ project: string, problem: string }[]} one entry per problem; empty when all is well
 */
export function checkNxTags(rootDir) {
  const problems = [];
  for (const kind of KINDS) {
    const kindDir = join(rootDir, kind);
    if (!existsSync(kindDir)) continue;
    const folders = readdirSync(kindDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of folders) {
      const dir = join(kindDir, name);
      const project = `${kind}/${name}`;
      const pkgFile = join(dir, 'package.json');
      const projectFile = join(dir, 'project.json');
      const hasPkg = existsSync(pkgFile);
      const hasProject = existsSync(projectFile);
      if (!hasPkg && !hasProject) {
        const content = readdirSync(dir).filter((e) => !IGNORED_ENTRIES.has(e));
        if (kind !== 'tools' && content.length > 0) {
          problems.push({ project, problem: 'no package.json (or project.json): not an Nx project, so it has no tags' });
        }
        continue;
      }
      const pkg = hasPkg ? readJson(pkgFile) : undefined;
      const tags = [...new Set([...(hasPkg ? tagsOf({ nx: pkg.nx }) : []), ...(hasProject ? tagsOf(readJson(projectFile)) : [])])];
      const label = pkg?.name ? `${project} (${pkg.name})` : project;
      if (tags.length === 0) {
        problems.push({ project: label, problem: 'has no Nx tags (package.json "nx": { "tags": [...] })' });
        continue;
      }
      const types = tags.filter((t) => t.startsWith('type:') && t.length > 'type:'.length);
      if (kind === 'apps') {
        if (!tags.includes('type:app')) problems.push({ project: label, problem: 'missing tag "type:app"' });
        const scopes = tags.filter((t) => t.startsWith('scope:'));
        if (!scopes.includes(`scope:${name}`)) {
          problems.push({ project: label, problem: `missing tag "scope:${name}" (has ${scopes.length ? scopes.join(', ') : 'no scope tag'})` });
        } else if (scopes.length > 1) {
          problems.push({ project: label, problem: `an app has exactly one scope tag (has ${scopes.join(', ')})` });
        }
      } else if (types.length === 0) {
        problems.push({ project: label, problem: 'missing a "type:<...>" tag' });
      }
    }
  }
  return problems;
}

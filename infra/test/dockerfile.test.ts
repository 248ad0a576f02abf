import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
const workspaces = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

/** The folders a `for dir in …` loop of the Dockerfile walks, as written. */
function loops(): string[][] {
  return [...dockerfile.matchAll(/for dir in ([^;]+); do/g)].map((m) => m[1]!.trim().split(/\s+/));
}

/** Workspace folders that hold a package.json, as npm sees them. */
function workspaceDirs(): string[] {
  return workspaces
    .flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      return readdirSync(join(repo, parent)).map((name) => `${parent}/${name}`);
    })
    .filter((dir) => existsSync(join(repo, dir, 'package.json')));
}

function covered(dir: string, globs: string[]): boolean {
  return globs.some(
    (glob) =>
      glob === dir ||
      (glob.endsWith('/*') && dir.startsWith(glob.slice(0, -1)) && !dir.slice(glob.length - 1).includes('/')),
  );
}

describe('the Dockerfile installs what the lockfile names', () => {
  test('its dependency stage copies the package.json of every workspace, so npm ci sees the whole tree', () => {
    const [manifests] = loops();
    expect(manifests).toBeDefined();
    expect(workspaceDirs().filter((dir) => !covered(dir, manifests!))).toEqual([]);
  });

  test('it installs with npm ci, from the lockfile it copies', () => {
    expect(dockerfile).toMatch(/cp package\.json package-lock\.json \/out\//);
    expect(dockerfile).toMatch(/^\s*npm ci$/m);
  });
});

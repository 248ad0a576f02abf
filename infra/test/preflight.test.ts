import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const repo = join(__dirname, '..', '..');
const run = join(repo, 'infra', 'local', 'run.mjs');

/** A PATH holding Node alone: no redis-server, no apt-get, no dpkg. */
function nodeOnlyPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orderpulse-path-'));
  symlinkSync(process.execPath, join(dir, 'node'));
  return dir;
}

/** Runs a README command the way a newcomer would, with the environment given. */
function readmeCommand(command: 'start' | 'test', env: Record<string, string>) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [run, command], {
    cwd: repo,
    env: { ...env, HOME: process.env.HOME ?? '/' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr, seconds: (Date.now() - started) / 1_000 };
}

describe('the two commands on a machine that lacks something', () => {
  test('npm test with CHROMIUM_PATH naming a missing file stops at once, naming it', () => {
    const result = readmeCommand('test', { PATH: process.env.PATH ?? '', CHROMIUM_PATH: '/nonexistent/chromium' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CHROMIUM_PATH=/nonexistent/chromium names no file');
    expect(result.seconds).toBeLessThan(10);
  });

  test('without redis-server and leave to install, npm start stops at once with the one line to run', () => {
    const result = readmeCommand('start', { PATH: nodeOnlyPath(), ORDERPULSE_NO_INSTALL: '1' });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing redis-server.* — install with: apt-get install redis-server/);
    expect(result.seconds).toBeLessThan(10);
  });

  test('a stack given by the environment needs no local redis-server', () => {
    const result = readmeCommand('test', {
      PATH: nodeOnlyPath(),
      REDIS_URL: 'redis://127.0.0.1:1',
      CHROMIUM_PATH: '/nonexistent/chromium',
    });

    expect(result.stderr).not.toContain('redis-server');
    expect(result.stderr).toContain('CHROMIUM_PATH');
  });
});

/** What a module loads before any of its code runs: its static imports (and requires), as written. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/gm)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

describe('the two commands run before npm has installed anything', () => {
  test('the start script and every local module it loads up front use Node built-ins only', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of staticImports(file)) {
        if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
        else if (!specifier.startsWith('node:')) outside.push(`${file.slice(repo.length + 1)} imports ${specifier}`);
      }
    };
    visit(run);

    expect(seen.size).toBeGreaterThan(3);
    expect(outside).toEqual([]);
  });
});

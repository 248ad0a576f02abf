// @ts-check
// Java programs of the local stack come as jars from Maven Central: a pom per program names them,
// Maven resolves them into the user's cache, and the classpath string is kept under the local
// folder so a warm start never has to run Maven.
//
// Node built-ins only: this runs before `npm install` may have finished.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Runs a command to its end, collecting what it prints: `{ code, output }` (code -1 when it could not start). */
export function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * The classpath of the program whose pom is `pom`, cached in `cacheFile` until the pom changes.
 *
 * @param {string} pom path of the pom.xml naming the program's artifacts
 * @param {string} cacheFile where the resolved classpath is kept
 * @returns {Promise<string>} the classpath, `:`-separated
 * @throws {Error} with Maven's last lines when it cannot resolve the pom
 */
export async function mavenClasspath(pom, cacheFile) {
  const mtime = (file) => fs.statSync(file).mtimeMs;
  if (fs.existsSync(cacheFile) && mtime(cacheFile) >= mtime(pom)) return fs.readFileSync(cacheFile, 'utf8').trim();
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  const { code, output } = await run('mvn', ['-q', '-B', 'dependency:build-classpath', `-Dmdep.outputFile=${tmp}`], {
    cwd: path.dirname(pom),
  });
  if (code !== 0) {
    const error = Object.assign(new Error(`mvn could not resolve ${pom}`), {
      detail: output.trim().split('\n').slice(-20).join('\n'),
    });
    throw error;
  }
  fs.renameSync(tmp, cacheFile);
  return fs.readFileSync(cacheFile, 'utf8').trim();
}

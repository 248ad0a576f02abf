// @ts-check
// What the README's two commands need from the machine beyond Node, Java and Maven, found in the
// first seconds: the Debian packages they bring themselves when run as root, or one line naming
// what to install when they cannot.
//
// Node built-ins only: this runs before `npm install`.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Where the terminals' browser tests look for Chromium when CHROMIUM_PATH is unset (Debian's package). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The CJK font the synthesized images and screenshots need for Chinese glyphs. */
const CJK_FONT_PACKAGE = 'fonts-wqy-microhei';

/**
 * The Debian packages a command still needs, or the one problem no install can mend.
 *
 * @param {'start' | 'test'} command
 * @param {{ env: Record<string, string | undefined>, exists: (file: string) => boolean, onPath: (binary: string) => boolean, hasPackage: (name: string) => boolean }} machine
 * @returns {{ packages: string[], problem?: string }}
 */
export function missingPrerequisites(command, machine) {
  const { env, exists, onPath, hasPackage } = machine;
  const packages = [];
  if (!env.REDIS_URL && !onPath('redis-server')) packages.push('redis-server');
  if (command === 'test') {
    if (env.CHROMIUM_PATH) {
      if (!exists(env.CHROMIUM_PATH))
        return {
          packages,
          problem: `CHROMIUM_PATH=${env.CHROMIUM_PATH} names no file; point it at a Chromium or unset it`,
        };
    } else if (!exists(DEFAULT_CHROMIUM)) {
      packages.push('chromium');
    }
  }
  if (!hasPackage(CJK_FONT_PACKAGE)) packages.push(CJK_FONT_PACKAGE);
  // Prometheus for npm start's metrics and promtool for the alert rules' test; kcat for the runbook
  // and the README's Integrating block, which runs against npm start.
  if (!onPath('prometheus') || !onPath('promtool')) packages.push('prometheus');
  if (!onPath('kcat')) packages.push('kcat');
  return { packages };
}

function onPath(binary) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, binary), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function hasDebianPackage(name) {
  // Off Debian nothing can be asked; the fonts are then the machine owner's business, not a stop.
  if (!onPath('dpkg-query')) return true;
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.includes('install ok installed');
}

/**
 * Makes sure the machine has what `command` needs: installs missing Debian packages when run as root
 * with apt-get (unless ORDERPULSE_NO_INSTALL=1), else stops at once naming them.
 *
 * @param {'start' | 'test'} command
 * @param {(line: string) => void} say
 * @param {(message: string) => never} fail
 */
export function ensurePrerequisites(command, say, fail) {
  const { packages, problem } = missingPrerequisites(command, {
    env: process.env,
    exists: (file) => fs.existsSync(file),
    onPath,
    hasPackage: hasDebianPackage,
  });
  if (problem) fail(problem);
  if (packages.length === 0) return;
  const install = `apt-get install ${packages.join(' ')}`;
  const canInstall = process.getuid?.() === 0 && onPath('apt-get') && process.env.ORDERPULSE_NO_INSTALL !== '1';
  if (!canInstall) fail(`missing ${packages.join(', ')} — install with: ${install}`);
  say(`installing ${packages.join(', ')} from Debian's packages`);
  /** @type {import('node:child_process').SpawnSyncOptions} */
  const options = {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  if (spawnSync('apt-get', ['update', '-qq'], options).status !== 0)
    fail(`apt-get update failed; install by hand: ${install}`);
  if (spawnSync('apt-get', ['install', '-y', '-qq', ...packages], options).status !== 0) fail(`${install} failed`);
  // Debian's prometheus starts its own server (and a node exporter) where systemd runs; npm start runs its own.
  if (packages.includes('prometheus') && onPath('systemctl'))
    spawnSync('systemctl', ['disable', '--now', 'prometheus', 'prometheus-node-exporter'], options);
}

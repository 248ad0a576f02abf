// Keeps one local process running, as a process manager would: a child that exits without being
// asked to is started again after a backoff that doubles (and resets once it has run a while),
// and stop() ends it — or ends nothing, if it is already dead — and always returns.
//
// Node built-ins only: `npm start` uses it before dependencies are installed. CommonJS, so the
// ESM launcher and the infra jest tests (CommonJS) load the same file.
'use strict';

const { spawn } = require('node:child_process');

/** Whether a child has ended: by exiting (exitCode) or by a signal (signalCode, exitCode null). */
function hasEnded(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

class Supervisor {
  /**
   * @param {object} settings
   * @param {string} settings.name  shown in what it says
   * @param {string} settings.command
   * @param {string[]} settings.args
   * @param {import('node:child_process').SpawnOptions | (() => import('node:child_process').SpawnOptions)} settings.options
   *   spawn options, or a function that makes them for each start (to open a log file per start)
   * @param {(line: string) => void} [settings.say]
   * @param {{ initialMs?: number, maxMs?: number, resetAfterMs?: number }} [settings.backoff]
   * @param {number} [settings.graceMs]  how long stop() waits after SIGTERM before SIGKILL
   */
  constructor(settings) {
    this.settings = settings;
    this.say = settings.say ?? (() => undefined);
    this.initialMs = settings.backoff?.initialMs ?? 1_000;
    this.maxMs = settings.backoff?.maxMs ?? 30_000;
    this.resetAfterMs = settings.backoff?.resetAfterMs ?? 60_000;
    this.graceMs = settings.graceMs ?? 15_000;
    this.delayMs = this.initialMs;
    this.restarts = 0;
    this.child = undefined;
    this.timer = undefined;
    this.stopping = false;
    this.listeners = [];
  }

  /** The running child's pid, or undefined between a crash and its restart. */
  get pid() {
    return this.child && !hasEnded(this.child) ? this.child.pid : undefined;
  }

  /** Told each time a child starts (the first time and after every restart). */
  onStart(listener) {
    this.listeners.push(listener);
  }

  start() {
    this.stopping = false;
    this.spawnChild();
    return this;
  }

  spawnChild() {
    this.timer = undefined;
    const { command, args, options } = this.settings;
    const child = spawn(command, args, typeof options === 'function' ? options() : options);
    const startedAt = Date.now();
    this.child = child;
    child.on('error', (error) => this.say(`${this.settings.name} could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      if (Date.now() - startedAt >= this.resetAfterMs) this.delayMs = this.initialMs;
      const delay = this.delayMs;
      this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
      this.restarts += 1;
      this.say(
        `${this.settings.name} exited (${code ?? signal}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${this.restarts})`,
      );
      this.timer = setTimeout(() => this.spawnChild(), delay);
    });
    for (const listener of this.listeners) listener(child);
  }

  /** Stops supervising and ends the child: SIGTERM, then SIGKILL after the grace period. Returns once it is gone. */
  async stop(signal = 'SIGTERM') {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    if (!child || hasEnded(child)) return;
    const ended = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const kill = setTimeout(() => {
      if (!hasEnded(child)) child.kill('SIGKILL');
    }, this.graceMs);
    await ended;
    clearTimeout(kill);
  }
}

module.exports = { Supervisor, hasEnded };

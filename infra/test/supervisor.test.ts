import { waitFor } from '@orderpulse/testkit';

import { Supervisor } from '../local/supervisor.cjs';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stand-in service that runs until it is told to stop. */
function supervised(lines: string[]) {
  return new Supervisor({
    name: 'stand-in',
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1000)'],
    options: { stdio: 'ignore' },
    say: (line) => lines.push(line),
    backoff: { initialMs: 200, maxMs: 2_000 },
    graceMs: 1_000,
  });
}

describe('the local supervisor (npm start)', () => {
  test('a child killed with SIGKILL is started again after a backoff, and it says so', async () => {
    const lines: string[] = [];
    const supervisor = supervised(lines).start();
    try {
      const first = await waitFor(() => supervisor.pid, { what: 'the first child', until: (pid) => pid !== undefined });
      process.kill(first!, 'SIGKILL');
      const second = await waitFor(() => supervisor.pid, {
        what: 'a restarted child',
        until: (pid) => pid !== undefined && pid !== first,
      });
      expect(alive(second!)).toBe(true);
      expect(lines).toEqual([
        expect.stringMatching(/^stand-in exited \(SIGKILL\); restarting in 0\.2 s \(restart 1\)$/),
      ]);

      process.kill(second!, 'SIGKILL');
      await waitFor(() => supervisor.pid, {
        what: 'a second restart',
        until: (pid) => pid !== undefined && pid !== second,
      });
      expect(lines[1]).toMatch(/restarting in 0\.4 s \(restart 2\)/);
    } finally {
      await supervisor.stop();
    }
  });

  test('stop returns after a child was killed by a signal, and nothing is started again', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'stand-in',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      options: { stdio: 'ignore' },
      say: (l) => lines.push(l),
      backoff: { initialMs: 5_000 },
    });
    supervisor.start();
    const pid = await waitFor(() => supervisor.pid, { what: 'the child', until: (p) => p !== undefined });
    process.kill(pid!, 'SIGKILL');
    await waitFor(() => lines, { what: 'the exit noticed', until: (l) => l.length === 1 });

    await supervisor.stop();
    expect(supervisor.pid).toBeUndefined();
    expect(supervisor.restarts).toBe(1);
  });

  test('stop ends a running child, with SIGKILL when it ignores SIGTERM', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'stand-in',
      command: process.execPath,
      args: [
        '-e',
        "process.on('SIGTERM', () => console.log('ignored')); console.log('ready'); setInterval(() => {}, 1000)",
      ],
      options: { stdio: ['ignore', 'pipe', 'ignore'] },
      say: (l) => lines.push(l),
      graceMs: 500,
    });
    let output = '';
    supervisor.onStart((child) => child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8'))));
    supervisor.start();
    const pid = await waitFor(() => supervisor.pid, { what: 'the child', until: (p) => p !== undefined });
    await waitFor(() => output, { what: 'the child to ignore SIGTERM', until: (o) => o.includes('ready') });
    await supervisor.stop();
    expect(output).toContain('ignored');
    expect(alive(pid!)).toBe(false);
    expect(lines).toEqual([]);
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * A process started for a test, so the test can kill it (SIGKILL: no goodbye) and start it
 * again. Lines it prints are kept for assertions and for failure messages.
 */
export class ChildService {
  readonly output: string[] = [];
  private child: ChildProcess | undefined;

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string | undefined>,
  ) {}

  start(): this {
    this.child = spawn(this.command, this.args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves with the exit code (or signal) once the process has ended. */
  async exited(): Promise<number | string> {
    const child = this.child;
    if (!child) return 0;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode ?? 0;
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    return code ?? signal ?? 0;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited();
  }

  /** The last lines it printed, for a failure message. */
  tail(lines = 30): string {
    return this.output.slice(-lines).join('\n');
  }
}

import type { ChildProcess, SpawnOptions } from 'node:child_process';

export interface SupervisorSettings {
  name: string;
  command: string;
  args: string[];
  options: SpawnOptions | (() => SpawnOptions);
  say?: (line: string) => void;
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  graceMs?: number;
}

export declare class Supervisor {
  constructor(settings: SupervisorSettings);
  readonly pid: number | undefined;
  readonly restarts: number;
  onStart(listener: (child: ChildProcess) => void): void;
  start(): this;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export declare function hasEnded(child: ChildProcess): boolean;

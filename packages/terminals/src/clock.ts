/** An order's countdown as every service sends it: an absolute deadline and the server's clock then. */
export interface Countdown {
  deadline: string;
  serverTime: string;
}

/**
 * The server's clock as seen from this terminal: the offset between the two is measured when
 * a countdown arrives, so every screen shows the same remaining time whatever its own clock says.
 */
export class ServerClock {
  private constructor(readonly offsetMs: number) {}

  static from(serverTime: string, receivedAt: number): ServerClock {
    return new ServerClock(Date.parse(serverTime) - receivedAt);
  }

  static local(): ServerClock {
    return new ServerClock(0);
  }

  /** The server's time now, by this terminal's clock. */
  now(local: number): number {
    return local + this.offsetMs;
  }
}

/** Milliseconds left until the deadline at the server's `now`; never below zero. */
export function remainingMs(deadline: string, serverNow: number): number {
  return Math.max(0, Date.parse(deadline) - serverNow);
}

/** How much of the response window is left, from 1 (just placed) to 0 (time is up). */
export function fractionLeft(remaining: number, windowMs: number): number {
  if (windowMs <= 0) return 0;
  return Math.min(1, Math.max(0, remaining / windowMs));
}

/** A digital stopwatch reading: `mm:ss.t` (tenths), as the customer's terminal shows it. */
export function stopwatch(ms: number): string {
  const tenths = Math.floor(Math.max(0, ms) / 100);
  const minutes = Math.floor(tenths / 600);
  const seconds = Math.floor((tenths % 600) / 10);
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}.${tenths % 10}`;
}

import type { Logger } from './logger';

/** A started service: how to stop it gracefully. */
export interface Running {
  stop(): Promise<void>;
}

/**
 * Starts a service and stops it on SIGTERM or SIGINT: stop fetching, finish in-flight work,
 * commit, disconnect. A stop that hangs past `graceMs` exits non-zero rather than never.
 */
export function runUntilSignalled(logger: Logger, start: () => Promise<Running>, graceMs = 25_000): void {
  let running: Running | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'stop took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    (running ? running.stop() : Promise.resolve()).then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  start().then(
    (r) => {
      running = r;
      if (stopping) void r.stop().finally(() => process.exit(0));
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'start failed');
      process.exit(1);
    },
  );
}

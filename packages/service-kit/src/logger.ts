import { AsyncLocalStorage } from 'node:async_hooks';

import pino from 'pino';

/** What a log line says about the work in hand: request, message or job. */
export type LogContext = Record<string, string | number | undefined>;

export interface Logger {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  fatal(obj: object, msg?: string): void;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `fields` added to every line logged inside it, however deep. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

export function currentLogContext(): LogContext {
  return context.getStore() ?? {};
}

export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => context.getStore() ?? {},
    serializers: { err: pino.stdSerializers.err },
  });
}

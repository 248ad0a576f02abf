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

/** Where a Kafka record was read, as `EventConsumer` hands it to its `around`. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  /** The CloudEvents `subject` of the record's event (an order id, say), when it has one. */
  subject?: string | undefined;
}

/**
 * The `around` of an `EventConsumer`: each record is handled with its topic, partition and offset
 * in the log context, and its subject under `subjectField` (`orderId`, `orderNo`), so every line
 * its handling logs names the record and the entity it is about.
 */
export function recordLogContext(
  subjectField: string,
): <T>(record: RecordPosition, work: () => Promise<T>) => Promise<T> {
  return (record, work) =>
    withLogContext(
      { topic: record.topic, partition: record.partition, offset: record.offset, [subjectField]: record.subject },
      work,
    );
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

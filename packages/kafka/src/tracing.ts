import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@orderpulse/kafka');

/** What the consumer knows of a message when it starts working on it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
  /** The message's W3C `traceparent` header, the trace of the change that produced the event. */
  traceparent?: string | undefined;
  type?: string | undefined;
  eventId?: string | undefined;
}

/**
 * Runs a consumed message's work in a CONSUMER span that continues the trace its `traceparent`
 * header carries, so what the handler does (writes, events, jobs, outbound calls) joins the
 * trace of the change that produced the event. A message without one starts a trace of its own.
 * With no OpenTelemetry SDK registered this costs a header parse and no span is recorded.
 * Source: W3C Trace Context; OpenTelemetry messaging semantic conventions (`<destination> process`).
 */
export function inMessageTrace<T>(message: ConsumedMessage, work: () => Promise<T>): Promise<T> {
  const parent = message.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: message.traceparent })
    : ROOT_CONTEXT;
  const attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(message.partition),
    'messaging.consumer.group.name': message.groupId,
    'messaging.kafka.offset': Number(message.offset),
    ...(message.eventId ? { 'messaging.message.id': message.eventId } : {}),
    ...(message.type ? { 'cloudevents.event_type': message.type } : {}),
  };
  return tracer.startActiveSpan(
    `process ${message.topic}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

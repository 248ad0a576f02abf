import { randomUUID } from 'node:crypto';

import { context, propagation } from '@opentelemetry/api';

/**
 * A CloudEvents 1.0 event as orderpulse carries it on Kafka (binary content mode):
 * the attributes travel as `ce_*` headers, `data` is the JSON body, and the message key
 * is `subject`, the aggregate id, so that one aggregate's events stay ordered on one partition.
 */
export interface EventEnvelope<T = unknown> {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion: '1.0';
  readonly time: string;
  /** The aggregate id (an order id, a share id); also the Kafka message key. */
  readonly subject: string;
  /** `urn:orderpulse:<type>:v<version>`: which version of the type's schema `data` follows. */
  readonly dataschema: string;
  readonly datacontenttype: 'application/json';
  /** W3C trace context of the change that caused this event, when there was one. */
  readonly traceparent?: string;
  readonly data: T;
}

/**
 * An event and the topic it goes to: what a state change writes to its outbox in the same write,
 * and what the relay publishes (`EventPublisher.publish` in `@orderpulse/kafka`).
 */
export interface OutgoingEvent {
  topic: string;
  event: EventEnvelope;
}

/** The shape of a Kafka message, independent of any Kafka client. */
export interface WireMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Headers as Kafka clients hand them over: bytes, strings, or repeated values. */
export type IncomingHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export interface IncomingMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IncomingHeaders;
}

export type DecodeResult = { ok: true; envelope: EventEnvelope } | { ok: false; reason: string };

const HEADER = {
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  specversion: 'ce_specversion',
  time: 'ce_time',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  traceparent: 'traceparent',
  contentType: 'content-type',
} as const;

export function dataSchemaUrn(type: string, version: number): string {
  return `urn:orderpulse:${type}:v${version}`;
}

/** Reads the schema version back out of a `dataschema` URN; undefined when it is not ours. */
export function versionOfDataSchema(dataschema: string): number | undefined {
  const match = /^urn:orderpulse:[a-z0-9.-]+:v(\d+)$/.exec(dataschema);
  return match ? Number(match[1]) : undefined;
}

export interface NewEnvelope<T> {
  type: string;
  version: number;
  source: string;
  subject: string;
  data: T;
  traceparent?: string;
  id?: string;
  time?: Date;
}

/**
 * The W3C `traceparent` of the active trace context (an HTTP request, a consumed event, a job),
 * through the globally registered propagator; undefined when none is active or none is registered.
 * Source: W3C Trace Context, OpenTelemetry `propagation.inject`.
 */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * A new envelope. Without an explicit `traceparent` it takes the active trace context's, so an
 * event written to an outbox carries the trace of the state change that created it.
 */
export function createEnvelope<T>(input: NewEnvelope<T>): EventEnvelope<T> {
  const traceparent = input.traceparent ?? activeTraceparent();
  return {
    id: input.id ?? randomUUID(),
    source: input.source,
    type: input.type,
    specversion: '1.0',
    time: (input.time ?? new Date()).toISOString(),
    subject: input.subject,
    dataschema: dataSchemaUrn(input.type, input.version),
    datacontenttype: 'application/json',
    ...(traceparent ? { traceparent } : {}),
    data: input.data,
  };
}

/** Binary content mode: attributes to headers, data to the body, subject to the key. */
export function encodeEnvelope(envelope: EventEnvelope): WireMessage {
  const headers: Record<string, string> = {
    [HEADER.id]: envelope.id,
    [HEADER.source]: envelope.source,
    [HEADER.type]: envelope.type,
    [HEADER.specversion]: envelope.specversion,
    [HEADER.time]: envelope.time,
    [HEADER.subject]: envelope.subject,
    [HEADER.dataschema]: envelope.dataschema,
    [HEADER.contentType]: envelope.datacontenttype,
  };
  if (envelope.traceparent) headers[HEADER.traceparent] = envelope.traceparent;
  return { key: envelope.subject, value: JSON.stringify(envelope.data), headers };
}

export function headerText(headers: IncomingHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function text(value: Buffer | string | null): string | undefined {
  if (value === null) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * Reads a Kafka message back into an envelope. Anything that is not a well-formed
 * CloudEvent in binary mode is refused with a reason fit for a dead-letter header;
 * checking `data` against the type's schema is the catalog's job.
 */
export function decodeMessage(message: IncomingMessage): DecodeResult {
  const h = message.headers;
  const missing = (['id', 'source', 'type', 'specversion', 'time', 'subject'] as const).filter(
    (name) => !headerText(h, HEADER[name]),
  );
  if (missing.length > 0) {
    return { ok: false, reason: `not a CloudEvent: missing header ${missing.map((m) => HEADER[m]).join(', ')}` };
  }
  const specversion = headerText(h, HEADER.specversion);
  if (specversion !== '1.0') return { ok: false, reason: `unsupported ce_specversion ${specversion}` };
  const contentType = headerText(h, HEADER.contentType);
  if (contentType !== undefined && !contentType.startsWith('application/json')) {
    return { ok: false, reason: `unsupported content-type ${contentType}` };
  }
  const time = headerText(h, HEADER.time) as string;
  if (Number.isNaN(Date.parse(time))) return { ok: false, reason: `ce_time is not a timestamp: ${time}` };
  const subject = headerText(h, HEADER.subject) as string;
  const key = text(message.key);
  if (key !== undefined && key !== subject) {
    return { ok: false, reason: `message key ${key} differs from ce_subject ${subject}` };
  }
  const body = text(message.value);
  if (body === undefined) return { ok: false, reason: 'empty message body' };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const type = headerText(h, HEADER.type) as string;
  const traceparent = headerText(h, HEADER.traceparent);
  return {
    ok: true,
    envelope: {
      id: headerText(h, HEADER.id) as string,
      source: headerText(h, HEADER.source) as string,
      type,
      specversion: '1.0',
      time,
      subject,
      dataschema: headerText(h, HEADER.dataschema) ?? dataSchemaUrn(type, 1),
      datacontenttype: 'application/json',
      ...(traceparent ? { traceparent } : {}),
      data,
    },
  };
}

import type { z } from 'zod';

import { createEnvelope, type EventEnvelope, versionOfDataSchema } from './envelope';

/**
 * One event type: its name (`<entity>.<past-tense>`), schema version, the topic it is
 * published on, the schema of its data, and an example that the schema accepts.
 */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly summary: string;
  /** What the Kafka key (and `ce_subject`) names, when it is not the aggregate's id. */
  readonly key?: string;
  readonly schema: S;
  readonly example: z.input<S>;
}

export type EventData<D extends EventDefinition> = z.output<D['schema']>;

export function defineEvent<S extends z.ZodType>(definition: EventDefinition<S>): EventDefinition<S> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(definition.type)) {
    throw new Error(`event type ${definition.type} is not <entity>.<past-tense>`);
  }
  return Object.freeze({ ...definition });
}

export interface NewEvent<D extends EventDefinition> {
  source: string;
  subject: string;
  data: z.input<D['schema']>;
  traceparent?: string;
  id?: string;
  time?: Date;
}

/** Builds an envelope for a defined event, refusing data its own schema would refuse. */
export function newEvent<D extends EventDefinition>(definition: D, input: NewEvent<D>): EventEnvelope<EventData<D>> {
  const data = definition.schema.parse(input.data) as EventData<D>;
  return createEnvelope({
    type: definition.type,
    version: definition.version,
    source: input.source,
    subject: input.subject,
    data,
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    ...(input.id ? { id: input.id } : {}),
    ...(input.time ? { time: input.time } : {}),
  });
}

export type ValidationResult<T> = { ok: true; event: EventEnvelope<T> } | { ok: false; reason: string };

/** Checks an envelope's data against its definition's schema and version. */
export function validateEvent<D extends EventDefinition>(
  definition: D,
  envelope: EventEnvelope,
): ValidationResult<EventData<D>> {
  const version = versionOfDataSchema(envelope.dataschema);
  if (version !== definition.version) {
    return {
      ok: false,
      reason: `${envelope.type}: schema version ${version ?? envelope.dataschema} is not the supported v${definition.version}`,
    };
  }
  const parsed = definition.schema.safeParse(envelope.data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ');
    return { ok: false, reason: `${envelope.type} data is invalid: ${issues}` };
  }
  return { ok: true, event: { ...envelope, data: parsed.data as EventData<D> } };
}

/** The set of event types a service knows, looked up by type name. */
export class EventCatalog {
  private readonly byType = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`event type ${definition.type} is defined twice`);
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): EventDefinition | undefined {
    return this.byType.get(type);
  }

  all(): EventDefinition[] {
    return [...this.byType.values()];
  }

  topics(): string[] {
    return [...new Set(this.all().map((d) => d.topic))].sort();
  }
}

import { z } from 'zod';

import type { EventCatalog, EventDefinition } from './define-event';
import { dataSchemaUrn } from './envelope';
import { deadLetterTopic, Topics } from './topics';

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

const cloudEventHeaders = {
  type: 'object',
  required: ['ce_id', 'ce_source', 'ce_type', 'ce_specversion', 'ce_time', 'ce_subject'],
  properties: {
    ce_id: { type: 'string', description: 'unique per event; consumers deduplicate on it' },
    ce_source: { type: 'string', description: 'the producing service, e.g. orderpulse/order' },
    ce_type: { type: 'string' },
    ce_specversion: { type: 'string', const: '1.0' },
    ce_time: { type: 'string', format: 'date-time' },
    ce_subject: { type: 'string', description: 'the aggregate id; equal to the message key' },
    ce_dataschema: { type: 'string', description: 'urn:orderpulse:<type>:v<version>' },
    'content-type': { type: 'string', const: 'application/json' },
    traceparent: { type: 'string', description: 'W3C trace context' },
  },
} as const;

function messageId(definition: EventDefinition): string {
  return `${definition.type}.v${definition.version}`;
}

function channelId(topic: string): string {
  return topic.replace(/[^a-zA-Z0-9]+/g, '-');
}

function message(definition: EventDefinition): Json {
  return {
    name: definition.type,
    title: `${definition.type} v${definition.version}`,
    summary: definition.summary,
    contentType: 'application/json',
    headers: {
      ...cloudEventHeaders,
      properties: {
        ...cloudEventHeaders.properties,
        ce_type: { type: 'string', const: definition.type },
        ce_dataschema: { type: 'string', const: dataSchemaUrn(definition.type, definition.version) },
      },
    },
    payload: z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'any' }) as Json,
    bindings: {
      kafka: {
        key: { type: 'string', description: `${definition.key ?? 'the aggregate id'} (ce_subject)` },
        bindingVersion: '0.5.0',
      },
    },
    examples: [{ name: 'example', payload: definition.example as Json }],
  };
}

/**
 * The AsyncAPI 3 document for every topic and event type, generated from the same zod
 * schemas that validate the messages. Deterministic, so the committed copy can be checked.
 */
export function buildAsyncApi(catalog: EventCatalog, version: string): Record<string, Json> {
  const definitions = [...catalog.all()].sort((a, b) => messageId(a).localeCompare(messageId(b)));
  const channels: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const messages: Record<string, Json> = {};
  for (const topic of Object.values(Topics)) {
    const onTopic = definitions.filter((d) => d.topic === topic);
    channels[channelId(topic)] = {
      address: topic,
      messages: Object.fromEntries(
        onTopic.map((d) => [messageId(d), { $ref: `#/components/messages/${messageId(d)}` }]),
      ),
    };
    channels[channelId(deadLetterTopic(topic))] = {
      address: deadLetterTopic(topic),
      description: `Messages from ${topic} that a consumer could not process, original headers kept, plus x-dlq-reason, x-dlq-original-topic, x-dlq-original-partition, x-dlq-original-offset, x-dlq-consumer-group, x-dlq-attempts, x-dlq-failed-at.`,
      messages: {},
    };
    if (onTopic.length > 0) {
      operations[`publish-${channelId(topic)}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${channelId(topic)}` },
        messages: onTopic.map((d) => ({ $ref: `#/channels/${channelId(topic)}/messages/${messageId(d)}` })),
      };
    }
  }
  for (const definition of definitions) messages[messageId(definition)] = message(definition);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'orderpulse events',
      version,
      description:
        'CloudEvents 1.0 in Kafka binary content mode: attributes in ce_* headers, JSON data in the body, key = aggregate id.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

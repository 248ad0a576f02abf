import { randomUUID } from 'node:crypto';

import { decodeMessage, encodeEnvelope, type EventDefinition, newEvent } from '@orderpulse/contracts';
import { DeadLetterHeader, type KafkaClient } from '@orderpulse/kafka';
import { uniqueName, waitFor } from '@orderpulse/testkit';
import fc from 'fast-check';

import { anyJson, hostileString } from './hostile';
import { arbitraryOf, offSchema } from './schema-arbitrary';
import { fuzzSettings, withSeed } from './settings';

type Headers = Record<string, string | Buffer | (string | Buffer)[]>;

/** A record as the fuzz sends it. */
export interface FuzzRecord {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers: Headers;
}

export interface KafkaTarget {
  kafka: KafkaClient;
  /** The consumed topic, with the deployment's prefix. */
  topic: string;
  /** The event types a valid record of the topic carries. */
  definitions: EventDefinition[];
  /** A valid record whose effect `effect` waits for: the service still takes the next valid message. */
  probe: () => Promise<{ record: FuzzRecord; effect: () => Promise<void>; topic?: string }>;
}

const CE = [
  'ce_id',
  'ce_source',
  'ce_type',
  'ce_specversion',
  'ce_time',
  'ce_subject',
  'ce_dataschema',
  'content-type',
];

/** Records near a valid one: `ce_*` headers missing, duplicated or wrong, keys and bodies mutated, other encodings. */
function recordOf(definitions: EventDefinition[]): fc.Arbitrary<FuzzRecord> {
  return fc.constantFrom(...definitions).chain((definition) =>
    fc
      .record({
        data: fc.oneof(
          { weight: 3, arbitrary: arbitraryOf(definition.schema) },
          { weight: 3, arbitrary: offSchema(fc.constant(definition.example)) },
          { weight: 1, arbitrary: anyJson() },
        ),
        drop: fc.subarray(CE, { maxLength: 3 }),
        duplicate: fc.subarray(CE, { maxLength: 2 }),
        wrong: fc.dictionary(
          fc.constantFrom(...CE),
          fc.oneof(
            hostileString(),
            fc.constantFrom(
              '',
              '0.3',
              '2.0',
              'not-a-time',
              'text/xml',
              'application/json; charset=latin1',
              'urn:orderpulse:x:v99',
              'order.unknown-type',
            ),
          ),
          { maxKeys: 2 },
        ),
        key: fc.constantFrom('same', 'null', 'other', 'hostile', 'binary'),
        body: fc.constantFrom('json', 'json', 'json', 'not-json', 'empty', 'null', 'utf16', 'latin1', 'bom', 'huge'),
        hostileKey: hostileString(),
      })
      .map(({ data, drop, duplicate, wrong, key, body, hostileKey }) => {
        const subject = `fz_${randomUUID().slice(0, 8)}`;
        const wire = encodeEnvelope({ ...newEventLoose(definition, subject), data });
        const headers: Headers = { ...wire.headers };
        for (const name of drop) delete headers[name];
        for (const [name, value] of Object.entries(wrong)) headers[name] = value;
        for (const name of duplicate)
          if (typeof headers[name] === 'string') headers[name] = [headers[name], 'duplicate-value'];
        const text = JSON.stringify(data) ?? 'null';
        const value =
          body === 'json'
            ? text
            : body === 'not-json'
              ? `${text.slice(0, -1)}`
              : body === 'empty'
                ? null
                : body === 'null'
                  ? 'null'
                  : body === 'utf16'
                    ? Buffer.from(text, 'utf16le')
                    : body === 'latin1'
                      ? Buffer.from(text, 'latin1')
                      : body === 'bom'
                        ? `\uFEFF${text}`
                        : `[${`${text.slice(0, 400)},`.repeat(200)}0]`;
        const recordKey =
          key === 'same'
            ? subject
            : key === 'null'
              ? null
              : key === 'other'
                ? `${subject}-other`
                : key === 'hostile'
                  ? hostileKey
                  : Buffer.from([0xff, 0xfe, 0x00, 0x80]);
        return { key: recordKey, value, headers };
      }),
  );
}

/** An envelope of the definition's type around any data: the fuzz puts off-schema data in it. */
function newEventLoose(definition: EventDefinition, subject: string) {
  return newEvent(definition, { source: 'fuzz', subject, data: definition.example });
}

const crashLike =
  /TypeError|ReferenceError|RangeError|SyntaxError|Cannot read prop|is not a function|INTERNAL|internal error/;

/**
 * Fuzzes one consumed topic: `fuzzSettings.kafkaInputs` hostile records in one batch on one
 * partition, then a valid record on the same partition whose effect must follow (no poison
 * blocks the partition, the consumer is alive). Every record the envelope rules refuse must
 * land in `<topic>.dlq` with its reason; no dead letter's reason may be a crash of ours.
 * Resolves with the number of records sent.
 */
export async function fuzzTopic(target: KafkaTarget): Promise<number> {
  const run = uniqueName('fz');
  return withSeed(`Kafka fuzz of ${target.topic}`, async (seed) => {
    const records = fc
      .sample(recordOf(target.definitions), { seed, numRuns: fuzzSettings.kafkaInputs })
      .map((r, i) => ({ ...r, headers: { ...r.headers, 'x-fuzz-id': `${run}-${i}` } }));
    const refused = new Set(
      records
        .filter((r) => !decodeMessage({ key: r.key, value: r.value, headers: r.headers }).ok)
        .map((r) => r.headers['x-fuzz-id']),
    );
    if (process.env.FUZZ_DEBUG)
      for (const r of records)
        process.stderr.write(
          `${JSON.stringify({ key: r.key?.toString(), value: r.value?.toString().slice(0, 300), headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])) })}\n`,
        );
    const producer = target.kafka.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // Small batches: a batch must stay under the broker's message size limit.
      for (let at = 0; at < records.length; at += 5) {
        await producer.send({
          topic: target.topic,
          messages: records
            .slice(at, at + 5)
            .map((r) => ({ partition: 0, key: r.key, value: r.value, headers: r.headers })),
        });
      }
      const probe = await target.probe();
      await producer.send({
        topic: probe.topic ?? target.topic,
        messages: [{ partition: 0, key: probe.record.key, value: probe.record.value, headers: probe.record.headers }],
      });
      await probe.effect();
    } finally {
      await producer.disconnect();
    }

    const letters = new Map<string, string>();
    const reader = target.kafka.kafka.consumer({ groupId: uniqueName('fz-dlq') });
    await reader.connect();
    await reader.subscribe({ topic: `${target.topic}.dlq`, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['x-fuzz-id']?.toString();
        if (id?.startsWith(run)) letters.set(id, message.headers?.[DeadLetterHeader.reason]?.toString() ?? '');
      },
    });
    try {
      await waitFor(() => [...refused].every((id) => letters.has(id)), {
        what: `${refused.size} refused records in ${target.topic}.dlq`,
        timeoutMs: 60_000,
      });
    } finally {
      await reader.disconnect();
    }
    for (const [id, reason] of letters) {
      if (!reason) throw new Error(`dead letter ${id} has no reason`);
      if (crashLike.test(reason)) throw new Error(`dead letter ${id} was a crash of ours: ${reason}`);
    }
    return records.length;
  });
}

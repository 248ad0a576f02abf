import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { allEvents, deadLetterTopic, renderAsyncApi, Topics } from '@orderpulse/contracts';

const repo = join(__dirname, '..', '..', '..');

interface TopicsFile {
  topics: { name: string; consumedBy?: string[] }[];
}

describe('the event catalog', () => {
  test.each(allEvents.map((d) => [d.type, d]))(
    '%s: its example passes its own schema and it names a known topic',
    (_type, definition) => {
      expect(definition.schema.safeParse(definition.example).success).toBe(true);
      expect(Object.values(Topics)).toContain(definition.topic);
    },
  );

  test('the committed AsyncAPI document is the one the schemas generate (run `npm run asyncapi` after changing an event)', () => {
    const committed = readFileSync(join(__dirname, '..', 'asyncapi.json'), 'utf8');
    expect(committed).toBe(renderAsyncApi());
  });

  test('the AsyncAPI document has a channel for every topic and its dead-letter topic', () => {
    const doc = JSON.parse(renderAsyncApi()) as { asyncapi: string; channels: Record<string, { address: string }> };
    expect(doc.asyncapi).toBe('3.0.0');
    const addresses = Object.values(doc.channels).map((c) => c.address);
    for (const topic of Object.values(Topics))
      expect(addresses).toEqual(expect.arrayContaining([topic, deadLetterTopic(topic)]));
  });

  test('topics as code declare exactly the contract topics, each consumed one with a dead-letter topic', () => {
    const file = JSON.parse(readFileSync(join(repo, 'infra', 'kafka', 'topics.json'), 'utf8')) as TopicsFile;
    expect(file.topics.map((t) => t.name).sort()).toEqual(Object.values(Topics).sort());
    const consumed = file.topics.filter((t) => (t.consumedBy ?? []).length > 0).map((t) => t.name);
    expect(consumed).toEqual(
      expect.arrayContaining([Topics.storefrontOrders, Topics.orderEvents, Topics.auditFailures]),
    );
  });
});

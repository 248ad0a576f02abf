import { defineEvent, newEvent } from '@orderpulse/contracts';
import { applyTopics, EventProducer, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { stackEnv, uniqueName } from '@orderpulse/testkit';
import { z } from 'zod';

const topic = uniqueName('producer');
const Noted = defineEvent({
  type: 'note.taken',
  version: 1,
  topic,
  summary: 'a note',
  schema: z.object({ n: z.number().int() }),
  example: { n: 1 },
});
const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'producer-test' });
const producer = new EventProducer(client);
const requests: string[] = [];
producer.observe({ request: (api) => requests.push(api) });
const note = (n: number) => ({ topic, event: newEvent(Noted, { source: 'test', subject: `s-${n}`, data: { n } }) });

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 1, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic }],
    }),
  );
});

afterAll(() => producer.disconnect());

describe('the event producer after a failed send', () => {
  // kafkajs takes a failed batch's sequence numbers back; had the broker written it (a request that
  // timed out), the next batch under the same producer id would be acknowledged as its duplicate and
  // never written. A new producer id after any failed send rules that out.
  it('sends the next batch under a new producer id', async () => {
    await producer.publish([note(1)]);
    const initsBefore = requests.filter((api) => api === 'InitProducerId').length;
    expect(initsBefore).toBeGreaterThan(0);

    await expect(producer.publish([{ ...note(2), topic: uniqueName('no-such-topic') }])).rejects.toThrow();
    await producer.publish([note(3)]);

    expect(requests.filter((api) => api === 'InitProducerId').length).toBeGreaterThan(initsBefore);
    const admin = client.kafka.admin();
    await admin.connect();
    const [partition] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(Number(partition?.high)).toBe(2);
  }, 60_000);
});

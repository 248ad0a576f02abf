import { defineEvent, newEvent } from '@orderpulse/contracts';
import { applyTopics, EventProducer, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { ensureOutboxIndexes, outboxForInsert, OutboxRelay, VersionedCollection, withEvents } from '@orderpulse/outbox';
import { commandFilters, servedByIndex } from '@orderpulse/service-kit';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import mongoose from 'mongoose';
import { z } from 'zod';

const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'relay-work-test' });
const producer = new EventProducer(client);
const topic = uniqueName('relay-work');
let connection: mongoose.Connection;
type Doc = { _id: string } & Record<string, unknown>;
/** The commands the driver sent, by collection, with their filters: what the relay costs the database. */
const commands: { name: string; collection: unknown; filters: Record<string, unknown>[] }[] = [];

const Noted = defineEvent({
  type: 'ledger.noted',
  version: 1,
  topic,
  summary: 'a note',
  schema: z.object({ text: z.string() }),
  example: { text: 'x' },
});
const note = (subject: string, text: string) => ({
  topic,
  event: newEvent(Noted, { source: 'test', subject, data: { text } }),
});

async function collection() {
  const c = connection.db!.collection<Doc>(uniqueName('docs'));
  await ensureOutboxIndexes(c);
  return c;
}

/** The filters sent on `docs` since `from` that no unique index of it answers exactly: what the local server scans for. */
async function scansSince(from: number, docs: Awaited<ReturnType<typeof collection>>): Promise<string[]> {
  const unique = (await docs.indexes()).filter((i) => i.unique).map((i) => Object.keys(i.key));
  return commands
    .slice(from)
    .filter((c) => c.collection === docs.collectionName)
    .flatMap((c) => c.filters.filter((f) => !servedByIndex(f, unique)).map((f) => `${c.name} ${JSON.stringify(f)}`));
}

/** An `onPublished` that, the first time, adds an event to `id` between the publish and the clear, as a state change on another instance would. */
const writesOnceBetween = (docs: Awaited<ReturnType<typeof collection>>, id: string) => {
  let added = false;
  return async () => {
    if (added) return;
    added = true;
    await docs.updateOne({ _id: id }, withEvents({ $set: { touched: true } }, [note(id, 'second')]));
  };
};

const relayOf = (docs: Awaited<ReturnType<typeof collection>>, onPublished?: () => Promise<void>) =>
  new OutboxRelay({ collection: docs, publisher: producer, ...(onPublished ? { onPublished } : {}) });

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 1, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic, consumedBy: ['test'] }],
    }),
  );
  await producer.connect();
  connection = await mongoose
    .createConnection(env.MONGO_URL, { dbName: uniqueName('relay-work'), monitorCommands: true })
    .asPromise();
  connection.getClient().on('commandStarted', (e) =>
    commands.push({
      name: e.commandName,
      collection: e.command[e.commandName],
      filters: commandFilters(e.commandName, e.command),
    }),
  );
});

/** A ledger entry, kept in a versioned collection whose writes hand their events to a relay. */
interface Entry {
  entryId: string;
  version: number;
  text: string;
}

async function ledger(): Promise<VersionedCollection<Entry, 'entryId'>> {
  const store = new VersionedCollection<Entry, 'entryId'>(connection.db!, uniqueName('entries'), { id: 'entryId' });
  await store.ensureIndexes();
  return store;
}

/** The command names sent on a collection since `from`. */
const spentOn = (name: string, from: number) =>
  commands
    .slice(from)
    .filter((c) => c.collection === name)
    .map((c) => c.name);

const running: OutboxRelay[] = [];

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await producer.disconnect();
  await connection.close();
});

describe('the work the outbox relay costs', () => {
  test('an announced change goes out with two commands: the claim, which reads the outbox, and the clear', async () => {
    const docs = await collection();
    await docs.insertOne({ _id: 'w-1', ...outboxForInsert([note('w-1', 'one'), note('w-1', 'two')]) });
    const relay = relayOf(docs);
    relay.announce('w-1');
    const from = commands.length;
    expect(await relay.relayOnce(false)).toBe(2);
    const spent = commands
      .slice(from)
      .filter((c) => c.collection === docs.collectionName)
      .map((c) => c.name);
    expect(spent).toEqual(['findAndModify', 'update']);
    expect(await scansSince(from, docs)).toEqual([]);
    const doc = await docs.findOne({ _id: 'w-1' });
    expect(doc?.outbox).toEqual([]);
    expect(doc?.outboxPending).toBeUndefined();
    expect(doc?.outboxLeaseUntil).toBeUndefined();
  });

  test('a round of several documents goes out in one produce request, each in its order, and is emptied in one write', async () => {
    const docs = await collection();
    const ids = ['b-1', 'b-2', 'b-3', 'b-4'];
    for (const id of ids) await docs.insertOne({ _id: id, ...outboxForInsert([note(id, '1'), note(id, '2')]) });
    const requests: string[][] = [];
    const relay = new OutboxRelay({
      collection: docs,
      publisher: {
        publish: async (messages) => {
          requests.push(messages.map((m) => `${m.event.subject}:${(m.event.data as { text: string }).text}`));
          return producer.publish(messages);
        },
      },
    });
    for (const id of ids) relay.announce(id);
    const from = commands.length;
    expect(await relay.relayOnce(false)).toBe(8);
    expect(requests).toHaveLength(1);
    for (const id of ids) expect(requests[0]!.filter((r) => r.startsWith(`${id}:`))).toEqual([`${id}:1`, `${id}:2`]);
    // A claim each (the claim reads the outbox), then one update for all.
    expect(spentOn(docs.collectionName, from)).toEqual([...ids.map(() => 'findAndModify'), 'update']);
    for (const doc of await docs.find({ _id: { $in: ids } }).toArray()) {
      expect(doc.outbox).toEqual([]);
      expect(doc.outboxPending).toBeUndefined();
      expect(doc.outboxLeaseUntil).toBeUndefined();
    }
  });

  test('in a round of several, a document written to between the publish and the clear keeps its new entry, pending', async () => {
    const docs = await collection();
    for (const id of ['c-1', 'c-2']) await docs.insertOne({ _id: id, ...outboxForInsert([note(id, 'first')]) });
    const relay = relayOf(docs, writesOnceBetween(docs, 'c-2'));
    relay.announce('c-1');
    relay.announce('c-2');
    expect(await relay.relayOnce(false)).toBe(2);
    expect((await docs.findOne({ _id: 'c-1' }))?.outbox).toEqual([]);
    const written = await docs.findOne({ _id: 'c-2' });
    expect((written?.outbox as { event: { data: { text: string } } }[]).map((e) => e.event.data.text)).toEqual([
      'second',
    ]);
    expect(written?.outboxPending).toBe(true);
    expect(written?.outboxLeaseUntil).toBeUndefined();
    expect(await relay.relayOnce(false)).toBe(1);
    expect((await docs.findOne({ _id: 'c-2' }))?.outbox).toEqual([]);
  });

  test('an event written while its document is being relayed stays, pending, and goes out in the next round', async () => {
    const docs = await collection();
    await docs.insertOne({ _id: 'w-2', ...outboxForInsert([note('w-2', 'first')]) });
    const relay = relayOf(docs, writesOnceBetween(docs, 'w-2'));
    relay.announce('w-2');
    const from = commands.length;
    expect(await relay.relayOnce(false)).toBe(1);
    const between = await docs.findOne({ _id: 'w-2' });
    expect((between?.outbox as { event: { data: { text: string } } }[]).map((e) => e.event.data.text)).toEqual([
      'second',
    ]);
    expect(between?.outboxPending).toBe(true);
    expect(between?.outboxLeaseUntil).toBeUndefined();
    // Not announced again by its writer here: the relay takes it up itself.
    expect(await relay.relayOnce(false)).toBe(1);
    const after = await docs.findOne({ _id: 'w-2' });
    expect(after?.outbox).toEqual([]);
    expect(after?.outboxPending).toBeUndefined();
    // Both rounds found the document by an index, on MongoDB and on the local server alike.
    expect(await scansSince(from, docs)).toEqual([]);
  });

  test("an announced document under another relay's lease is left to it; once the lease has run out the sweep takes it", async () => {
    const docs = await collection();
    const held = new Date(Date.now() + 60_000);
    await docs.insertOne({ _id: 'w-3', ...outboxForInsert([note('w-3', 'held')]), outboxLeaseUntil: held });
    const relay = relayOf(docs);
    relay.announce('w-3');
    expect(await relay.relayOnce(false)).toBe(0);
    const untouched = await docs.findOne({ _id: 'w-3' });
    expect(untouched?.outboxLeaseUntil).toEqual(held);
    expect(untouched?.outbox).toHaveLength(1);
    await docs.updateOne({ _id: 'w-3' }, { $set: { outboxLeaseUntil: new Date(Date.now() - 1_000) } });
    expect(await relay.relayOnce(true)).toBe(1);
    expect((await docs.findOne({ _id: 'w-3' }))?.outbox).toEqual([]);
  });

  test('an announced document with nothing pending costs one command and is not written', async () => {
    const docs = await collection();
    await docs.insertOne({ _id: 'w-4', plain: true });
    const relay = relayOf(docs);
    relay.announce('w-4');
    const from = commands.length;
    expect(await relay.relayOnce(false)).toBe(0);
    expect(
      commands
        .slice(from)
        .filter((c) => c.collection === docs.collectionName)
        .map((c) => c.name),
    ).toEqual(['findAndModify']);
    expect(await docs.findOne({ _id: 'w-4' })).toEqual({ _id: 'w-4', plain: true });
  });
});

describe('a write that hands its document to the running relay', () => {
  /** A relay of the store, started, its first sweep done, so what follows is the hand-off's work alone. */
  async function started(
    store: VersionedCollection<Entry, 'entryId'>,
    published: string[] = [],
    onPublished?: () => Promise<void>,
  ) {
    const relay = new OutboxRelay({
      collection: store.collection,
      ...(onPublished ? { onPublished } : {}),
      publisher: {
        publish: async (messages) => {
          published.push(...messages.map((m) => (m.event.data as { text: string }).text));
          return producer.publish(messages);
        },
      },
    });
    store.relayWith(relay);
    const from = commands.length;
    relay.start();
    running.push(relay);
    await waitFor(() => spentOn(store.collection.collectionName, from).includes('find'), { what: 'the first sweep' });
    return relay;
  }

  test('goes out with one command after the write: the clear; the write took the lease and read the outbox', async () => {
    const store = await ledger();
    await started(store);
    const emptied = (id: string) =>
      waitFor(async () => (await store.collection.findOne({ _id: id }))?.outboxPending === undefined, {
        what: `the outbox of ${id} emptied`,
      });
    const from = commands.length;
    await store.insert({ entryId: 'h-1', version: 1, text: 'opened' }, [note('h-1', 'opened')]);
    await emptied('h-1');
    const changed = await store.update('h-1', 1, { $set: { text: 'changed' } }, [note('h-1', 'changed')]);
    expect(changed).toEqual({ entryId: 'h-1', version: 2, text: 'changed' });
    await emptied('h-1');
    // Each write, then its clear (the reads are this test's own polling): no claim before either publish.
    expect(spentOn(store.collection.collectionName, from).filter((name) => name !== 'find')).toEqual([
      'insert',
      'update',
      'findAndModify',
      'update',
    ]);
    expect(await scansSince(from, store.collection)).toEqual([]);
    const doc = await store.collection.findOne({ _id: 'h-1' });
    expect(doc?.outbox).toEqual([]);
    expect(doc?.outboxLeaseUntil).toBeUndefined();
  });

  test('a change written while its document is being published leaves the lease to its holder: published once, after it, and nothing stays behind', async () => {
    const store = await ledger();
    const published: string[] = [];
    let changed = false;
    await started(store, published, async () => {
      if (changed) return;
      changed = true;
      // Between the publish of `first` and its clear, a second writer changes the document and takes the lease.
      await store.update('h-2', 1, { $set: { text: 'second' } }, [note('h-2', 'second')]);
    });
    await store.insert({ entryId: 'h-2', version: 1, text: 'first' }, [note('h-2', 'first')]);
    await waitFor(async () => (await store.collection.findOne({ _id: 'h-2' }))?.outboxPending === undefined, {
      what: 'the outbox emptied',
    });
    // The second write found the lease taken and announced; each event went out once, in the order written.
    expect(published).toEqual(['first', 'second']);
    const doc = await store.collection.findOne({ _id: 'h-2' });
    expect(doc?.outbox).toEqual([]);
    expect(doc?.outboxLeaseUntil).toBeUndefined();
  });

  test("a writer whose relay died after the write leaves its lease to run out; another relay's sweep then publishes", async () => {
    const store = await ledger();
    const dying = new OutboxRelay({ collection: store.collection, publisher: producer, leaseMs: 300 });
    dying.start();
    running.push(dying);
    // The process dies between the write and the hand-over: the lease is in the document, nobody holds it.
    store.relayWith({
      writeLease: () => dying.writeLease(),
      hold: () => undefined,
      announce: () => undefined,
      takeOver: () => undefined,
    });
    await store.insert({ entryId: 'h-3', version: 1, text: 'orphaned' }, [note('h-3', 'orphaned')]);
    await dying.stop();
    const lease = (await store.collection.findOne({ _id: 'h-3' }))?.outboxLeaseUntil as Date;
    expect(lease.getTime()).toBeGreaterThan(Date.now());
    const other = relayOf(store.collection);
    expect(await other.relayOnce(true)).toBe(0);
    await waitFor(() => Date.now() > lease.getTime(), { what: 'the lease to run out', timeoutMs: 10_000 });
    expect(await other.relayOnce(true)).toBe(1);
    expect((await store.collection.findOne({ _id: 'h-3' }))?.outboxPending).toBeUndefined();
  });

  test('a write keeps the lease of a relay that claimed the document, and announces; nothing goes out twice', async () => {
    const store = await ledger();
    const published: string[] = [];
    const writer = await started(store, published);
    // Another instance's relay claims the document and, between its publish and its clear, the write lands.
    let leaseDuringClaim: unknown;
    let leaseAfterWrite: unknown;
    const claimer = new OutboxRelay({
      collection: store.collection,
      publisher: {
        publish: async (messages) => {
          published.push(...messages.map((m) => (m.event.data as { text: string }).text));
          return producer.publish(messages);
        },
      },
      onPublished: async () => {
        if (leaseAfterWrite !== undefined) return;
        leaseDuringClaim = (await store.collection.findOne({ _id: 'h-5' }))?.outboxLeaseUntil;
        await store.update('h-5', 1, { $set: { text: 'second' } }, [note('h-5', 'second')]);
        leaseAfterWrite = (await store.collection.findOne({ _id: 'h-5' }))?.outboxLeaseUntil;
      },
    });
    await store.collection.insertOne({
      _id: 'h-5',
      version: 1,
      text: 'first',
      ...outboxForInsert([note('h-5', 'first')]),
    });
    claimer.announce('h-5');
    expect(await claimer.relayOnce(false)).toBe(1);
    expect(leaseAfterWrite).toEqual(leaseDuringClaim);
    // The claimer's clear saw the new entry and left it; it goes out once, by whichever relay takes it next.
    await Promise.race([
      waitFor(async () => (await store.collection.findOne({ _id: 'h-5' }))?.outboxPending === undefined, {
        what: 'the outbox emptied',
      }),
      (async () => {
        for (;;) {
          await claimer.relayOnce(false);
          if ((await store.collection.findOne({ _id: 'h-5' }))?.outboxPending === undefined) return;
        }
      })(),
    ]);
    expect(published).toEqual(['first', 'second']);
    expect(writer).toBeDefined();
  });

  test("a write that finds another relay's lease run out has its relay take the document over then, not at the next sweep", async () => {
    const store = await ledger();
    const published: string[] = [];
    await started(store, published);
    // Left by a relay that died holding it: its lease runs out in 300 ms.
    const lease = new Date(Date.now() + 300);
    await store.collection.insertOne({
      _id: 'h-6',
      version: 1,
      text: 'first',
      ...outboxForInsert([note('h-6', 'first')], lease),
    });
    await store.update('h-6', 1, { $set: { text: 'second' } }, [note('h-6', 'second')]);
    await waitFor(async () => (await store.collection.findOne({ _id: 'h-6' }))?.outboxPending === undefined, {
      what: 'the outbox emptied once the lease ran out',
      timeoutMs: 5_000,
    });
    expect(published).toEqual(['first', 'second']);
  });

  test('a write that failed without saying whether it was applied leaves its lease to its relay, which takes it over at once', async () => {
    const store = await ledger();
    const relay = await started(store);
    const lease = relay.writeLease()!;
    // As if the write was applied and its answer lost: the lease is there, nothing was handed over.
    await store.collection.insertOne({
      _id: 'h-7',
      version: 1,
      ...outboxForInsert([note('h-7', 'unanswered')], lease),
    });
    relay.takeOver('h-7', lease);
    await waitFor(async () => (await store.collection.findOne({ _id: 'h-7' }))?.outboxPending === undefined, {
      what: 'the outbox emptied',
      timeoutMs: 3_000,
    });
  });

  test('a document handed over whose lease has less than half its time left is claimed again under that lease before its publish', async () => {
    const store = await ledger();
    const relay = new OutboxRelay({ collection: store.collection, publisher: producer, leaseMs: 2_000 });
    // Written 1.5 s ago under a 2 s lease, as when a backlog kept it waiting: 0.5 s left.
    const ageing = new Date(Date.now() + 500);
    const written = outboxForInsert([note('h-8', 'waited')], ageing);
    await store.collection.insertOne({ _id: 'h-8', version: 1, ...written });
    relay.start();
    running.push(relay);
    const from = commands.length;
    relay.hold({ _id: 'h-8', lease: ageing, outbox: written.outbox!, added: 1 });
    await waitFor(async () => (await store.collection.findOne({ _id: 'h-8' }))?.outboxPending === undefined, {
      what: 'the outbox emptied',
    });
    // A claim under the ageing lease renewed it before the publish; then the clear.
    expect(spentOn(store.collection.collectionName, from).filter((name) => name !== 'find')).toEqual([
      'findAndModify',
      'update',
    ]);
  });

  test('with its relay stopped, a write takes no lease and hands nothing over: the next sweep finds it', async () => {
    const store = await ledger();
    const relay = new OutboxRelay({ collection: store.collection, publisher: producer });
    store.relayWith(relay);
    await store.insert({ entryId: 'h-4', version: 1, text: 'quiet' }, [note('h-4', 'quiet')]);
    const doc = await store.collection.findOne({ _id: 'h-4' });
    expect(doc?.outboxLeaseUntil).toBeUndefined();
    expect(doc?.outboxPending).toBe(true);
    expect(await relay.relayOnce(false)).toBe(0);
    expect(await relay.relayOnce(true)).toBe(1);
  });
});

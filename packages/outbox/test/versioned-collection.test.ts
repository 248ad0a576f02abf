import { defineEvent, newEvent } from '@orderpulse/contracts';
import { VersionedCollection } from '@orderpulse/outbox';
import { isDuplicateKey } from '@orderpulse/service-kit';
import { stackEnv, uniqueName } from '@orderpulse/testkit';
import mongoose from 'mongoose';
import { z } from 'zod';

interface Ticket {
  ticketId: string;
  version: number;
  owner: string;
  state: 'open' | 'closed';
  opened: Date;
}

const env = stackEnv();
let connection: mongoose.Connection;

const Changed = defineEvent({
  type: 'ticket.changed',
  version: 1,
  topic: 'tickets',
  summary: 'a ticket changed',
  schema: z.object({ state: z.string() }),
  example: { state: 'open' },
});
const changed = (ticketId: string, state: string) => ({
  topic: 'tickets',
  event: newEvent(Changed, { source: 'test', subject: ticketId, data: { state } }),
});
const ticket = (ticketId: string, owner = 'ana'): Ticket => ({
  ticketId,
  version: 1,
  owner,
  state: 'open',
  opened: new Date('2026-12-01T08:00:00Z'),
});

async function tickets(): Promise<VersionedCollection<Ticket, 'ticketId'>> {
  const store = new VersionedCollection<Ticket, 'ticketId'>(connection.db!, uniqueName('tickets'), {
    id: 'ticketId',
    hidden: { ownerKey: 0 },
  });
  await store.ensureIndexes();
  await store.collection.createIndex({ ownerKey: 1 }, { name: 'one_per_owner', unique: true, sparse: true });
  return store;
}

beforeAll(async () => {
  connection = await mongoose.createConnection(env.MONGO_URL, { dbName: uniqueName('versioned') }).asPromise();
});

afterAll(async () => {
  await connection.close();
});

describe('VersionedCollection', () => {
  it('stores an entity under its id with its events in the outbox, and reads it back without them', async () => {
    const store = await tickets();
    const outcome = await store.insert(ticket('t-1'), [changed('t-1', 'open')]);
    expect(outcome).toEqual({ created: true, entity: ticket('t-1') });
    const raw = await store.collection.findOne({ _id: 't-1' });
    expect(raw?.outboxPending).toBe(true);
    expect((raw?.outbox as unknown[]).length).toBe(1);
    expect(await store.get('t-1')).toEqual(ticket('t-1'));
  });

  it('returns the stored entity for a second insert of the same id, and adds no events', async () => {
    const store = await tickets();
    await store.insert(ticket('t-1', 'ana'), [changed('t-1', 'open')]);
    const again = await store.insert(ticket('t-1', 'bo'), [changed('t-1', 'open')]);
    expect(again).toEqual({ created: false, entity: ticket('t-1', 'ana') });
    expect(((await store.collection.findOne({ _id: 't-1' }))?.outbox as unknown[]).length).toBe(1);
  });

  it('rethrows a duplicate key on another unique index, and keeps stored-only fields out of reads', async () => {
    const store = await tickets();
    await store.insert(ticket('t-1'), [], { ownerKey: 'ana' });
    expect(await store.get('t-1')).toEqual(ticket('t-1'));
    const error = await store.insert(ticket('t-2'), [], { ownerKey: 'ana' }).catch((e: unknown) => e);
    expect(isDuplicateKey(error)).toBe(true);
    expect(await store.get('t-2')).toBeUndefined();
  });

  it('applies a change only at the version read: of two writers, one wins and the other gets undefined', async () => {
    const store = await tickets();
    await store.insert(ticket('t-1'), []);
    const [first, second] = await Promise.all([
      store.update('t-1', 1, { $set: { state: 'closed' } }, [changed('t-1', 'closed')]),
      store.update('t-1', 1, { $set: { owner: 'bo' } }, [changed('t-1', 'reassigned')]),
    ]);
    const won = [first, second].filter((t) => t !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]!.version).toBe(2);
    const stored = await store.collection.findOne({ _id: 't-1' });
    expect(stored?.version).toBe(2);
    expect((stored?.outbox as unknown[]).length).toBe(1);
  });

  it('keeps a change to the entities that also match the extra filter (a tenant)', async () => {
    const store = await tickets();
    await store.insert(ticket('t-1', 'ana'), []);
    expect(await store.update('t-1', 1, { $set: { state: 'closed' } }, [], { owner: 'bo' })).toBeUndefined();
    expect((await store.update('t-1', 1, { $set: { state: 'closed' } }, [], { owner: 'ana' }))?.state).toBe('closed');
  });

  it('lists in order with a limit, and walks every match in batches', async () => {
    const store = await tickets();
    for (const id of ['t-3', 't-1', 't-2', 't-4']) await store.insert(ticket(id, id === 't-4' ? 'bo' : 'ana'), []);
    expect((await store.find({ owner: 'ana' }, { sort: { _id: -1 }, limit: 2 })).map((t) => t.ticketId)).toEqual([
      't-3',
      't-2',
    ]);
    const walked: string[] = [];
    for await (const t of store.walk({}, 2)) walked.push(t.ticketId);
    expect(walked).toEqual(['t-1', 't-2', 't-3', 't-4']);
    const first = await store.findOne({ owner: 'bo' }, { opened: 0 });
    expect(first).toEqual({ ticketId: 't-4', version: 1, owner: 'bo', state: 'open' });
  });

  it('revives what the stored fields cannot hold as they are', async () => {
    const store = new VersionedCollection<Ticket, 'ticketId'>(connection.db!, uniqueName('tickets'), {
      id: 'ticketId',
      revive: (t) => ({ ...t, owner: t.owner.toUpperCase() }),
    });
    await store.ensureIndexes();
    await store.insert(ticket('t-1'), []);
    expect((await store.get('t-1'))?.owner).toBe('ANA');
  });
});

import { applyOnce, insertOnce } from '@orderpulse/inbox';
import { stackEnv, uniqueName } from '@orderpulse/testkit';
import mongoose from 'mongoose';

const env = stackEnv();
let connection: mongoose.Connection;
type Counter = { _id: string; count: number; processedEvents?: string[] };
const counters = () => connection.db!.collection<Counter>('counters');

beforeAll(async () => {
  connection = await mongoose.createConnection(env.MONGO_URL, { dbName: uniqueName('inbox') }).asPromise();
});

afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

describe('idempotent consumption on the MongoDB-compatible server', () => {
  test('an event applied twice changes the document once, and the second time says duplicate', async () => {
    const id = uniqueName('counter');
    await counters().insertOne({ _id: id, count: 0 });
    const collection = connection.db!.collection('counters');
    expect(await applyOnce(collection, { _id: id }, 'event-1', { $inc: { count: 5 } })).toBe('applied');
    expect(await applyOnce(collection, { _id: id }, 'event-1', { $inc: { count: 5 } })).toBe('duplicate');
    expect(await applyOnce(collection, { _id: id }, 'event-2', { $inc: { count: 1 } })).toBe('applied');
    expect(await counters().findOne({ _id: id })).toMatchObject({ count: 6, processedEvents: ['event-1', 'event-2'] });
  });

  test('an event for a document that does not exist is reported, not applied', async () => {
    expect(await applyOnce(connection.db!.collection('counters'), { _id: uniqueName('missing') }, 'event-1', { $inc: { count: 1 } })).toBe('not-found');
  });

  test('a document remembers a bounded number of event ids', async () => {
    const id = uniqueName('busy');
    await counters().insertOne({ _id: id, count: 0 });
    const collection = connection.db!.collection('counters');
    for (let i = 0; i < 505; i += 1) await applyOnce(collection, { _id: id }, `e-${i}`, { $inc: { count: 1 } });
    const doc = await counters().findOne({ _id: id });
    expect(doc?.count).toBe(505);
    expect(doc?.processedEvents).toHaveLength(500);
    expect(doc?.processedEvents?.[0]).toBe('e-5');
  });

  test('a document created from an event is created once', async () => {
    const collection = connection.db!.collection('created');
    const doc = { _id: uniqueName('from-event'), source: 'event-9' } as unknown as mongoose.mongo.OptionalId<mongoose.mongo.Document>;
    expect(await insertOnce(collection, doc)).toBe('applied');
    expect(await insertOnce(collection, { ...doc })).toBe('duplicate');
    expect(await collection.countDocuments({ source: 'event-9' })).toBe(1);
  });
});

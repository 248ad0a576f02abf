import type { mongo } from 'mongoose';

export type ApplyOutcome = 'applied' | 'duplicate' | 'not-found';

/** The field that remembers which events a document has already absorbed. */
export const processedEventsField = 'processedEvents';

/** How many event ids a document remembers: far more than can be in flight for one aggregate. */
const REMEMBERED = 500;

/**
 * Applies `update` to the document matching `filter` unless it has already absorbed `eventId`.
 * The check and the record of the event id are part of the same single-document write, so
 * a crash at any point leaves either both or neither: no second effect, no lost effect.
 */
export async function applyOnce(
  collection: mongo.Collection,
  filter: mongo.Document,
  eventId: string,
  update: mongo.Document,
): Promise<ApplyOutcome> {
  const push = (update.$push ?? {}) as Record<string, unknown>;
  const guarded: mongo.Document = {
    ...update,
    $push: { ...push, [processedEventsField]: { $each: [eventId], $slice: -REMEMBERED } },
  };
  const result = await collection.updateOne({ $and: [filter, { [processedEventsField]: { $ne: eventId } }] }, guarded);
  if (result.modifiedCount === 1 || result.matchedCount === 1) return 'applied';
  const seen = await collection.countDocuments({ $and: [filter, { [processedEventsField]: eventId }] }, { limit: 1 });
  return seen > 0 ? 'duplicate' : 'not-found';
}

/**
 * Inserts a document made from an event. Its `_id` (or another unique index) must be derived
 * from the event, so a redelivery meets the duplicate-key error and changes nothing.
 */
export async function insertOnce(collection: mongo.Collection, document: mongo.OptionalId<mongo.Document>): Promise<'applied' | 'duplicate'> {
  try {
    await collection.insertOne(document);
    return 'applied';
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000) return 'duplicate';
    throw error;
  }
}

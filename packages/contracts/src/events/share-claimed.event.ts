import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleShare, ShareSnapshot } from './share-snapshot';

/** The target claimed the second order in time and under the share threshold: both can now handle the order. */
export const ShareClaimed = defineEvent({
  type: 'share.claimed',
  version: 1,
  topic: Topics.sharingEvents,
  summary: 'The target claimed a shared guarantee order inside the claim window; the owner is told.',
  schema: ShareSnapshot,
  example: { ...exampleShare, shareStatus: 'claimed', shareCount: 1 },
});

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleShare, ShareSnapshot } from './share-snapshot';

/** The owner took back a share before it was claimed: the target is told it is gone. */
export const ShareRevoked = defineEvent({
  type: 'share.revoked',
  version: 1,
  topic: Topics.sharingEvents,
  summary: 'The owner revoked an unclaimed share; the target is told.',
  schema: ShareSnapshot,
  example: { ...exampleShare, shareStatus: 'revoked', serverTime: '2026-11-21T10:05:00.000Z' },
});

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleShare, ShareSnapshot } from './share-snapshot';

/** Nobody claimed the second order before the deadline: the share is closed and the owner is told. */
export const ShareExpired = defineEvent({
  type: 'share.expired',
  version: 1,
  topic: Topics.sharingEvents,
  summary: 'A share was not claimed inside its claim window and is closed; the owner is told.',
  schema: ShareSnapshot,
  example: { ...exampleShare, shareStatus: 'expired', serverTime: '2026-11-21T10:30:00.412Z' },
});

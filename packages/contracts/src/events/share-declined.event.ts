import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleShare, ShareSnapshot } from './share-snapshot';

/** The target turned a share down instead of letting it run out: the owner is told at once. */
export const ShareDeclined = defineEvent({
  type: 'share.declined',
  version: 1,
  topic: Topics.sharingEvents,
  summary: 'The target declined a share before claiming it; the owner is told and may share with someone else.',
  schema: ShareSnapshot,
  example: { ...exampleShare, shareStatus: 'declined', serverTime: '2026-11-21T10:02:00.000Z' },
});

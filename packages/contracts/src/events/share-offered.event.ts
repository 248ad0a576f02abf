import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleShare, ShareSnapshot } from './share-snapshot';

/** A member shared a guarantee order with another member: the second order waits to be claimed. */
export const ShareOffered = defineEvent({
  type: 'share.offered',
  version: 1,
  topic: Topics.sharingEvents,
  summary:
    'A guarantee order was shared with a member of its organisation; the target is asked to claim the second order before the deadline.',
  schema: ShareSnapshot,
  example: exampleShare,
});

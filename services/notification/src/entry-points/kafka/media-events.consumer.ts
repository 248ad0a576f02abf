import { MediaAttached } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { notify } from '../../domain/use-cases/notify.use-case';
import type { NotificationPorts } from '../../domain/use-cases/ports';

/** The media service's images reach the customer's push and realtime channel with the app's authorization code. */
export function mediaEventHandlers(ports: NotificationPorts) {
  return [on(MediaAttached, (event) => notify(ports, { id: event.id, type: 'media.attached', data: event.data }))];
}

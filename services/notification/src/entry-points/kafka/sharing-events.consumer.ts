import {
  GuaranteeOrderProcessed,
  ShareClaimed,
  ShareDeclined,
  ShareExpired,
  ShareOffered,
  ShareRevoked,
} from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { notify } from '../../domain/use-cases/notify.use-case';
import type { NotificationPorts } from '../../domain/use-cases/ports';

/** Every sharing event becomes the notices its routing decides; each handler only names its type. */
export function sharingEventHandlers(ports: NotificationPorts) {
  return [
    on(ShareOffered, (event) => notify(ports, { id: event.id, type: 'share.offered', data: event.data })),
    on(ShareClaimed, (event) => notify(ports, { id: event.id, type: 'share.claimed', data: event.data })),
    on(ShareExpired, (event) => notify(ports, { id: event.id, type: 'share.expired', data: event.data })),
    on(ShareRevoked, (event) => notify(ports, { id: event.id, type: 'share.revoked', data: event.data })),
    on(ShareDeclined, (event) => notify(ports, { id: event.id, type: 'share.declined', data: event.data })),
    on(GuaranteeOrderProcessed, (event) =>
      notify(ports, { id: event.id, type: 'guarantee-order.processed', data: event.data }),
    ),
  ];
}

import type { OrderSnapshot } from '@orderpulse/contracts';

import { absorbSnapshot, dueJobId, owedSlots } from '../order-media';
import { change, type MediaPorts } from './ports';

/**
 * An order event tells who the merchant and rider are and which status the order reached.
 * A status with an image in the policy gets its slot and a due timer: at once for a synthesized
 * image, after the grace period for a photo. A repeated event changes nothing; the timers are
 * scheduled again regardless, because their ids make that harmless and a crash may have come
 * between the write and the scheduling.
 */
export async function recordOrderEvent(
  ports: MediaPorts,
  snapshot: OrderSnapshot & { expectedDeliveryAt?: string | undefined },
  at: Date,
): Promise<void> {
  const { settings } = ports;
  const { order } = await change(ports, snapshot.orderId, (current) => {
    const next = absorbSnapshot(current, snapshot, at, settings.policy, settings.graceSeconds);
    return next ? { next, result: true } : undefined;
  });
  if (!order) return;
  for (const slot of owedSlots(order)) {
    await ports.timers.scheduleAt(dueJobId(order.orderId, slot.status), slot.dueAt, {
      orderId: order.orderId,
      status: slot.status,
    });
  }
}

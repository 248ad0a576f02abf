import type { OrderStatus } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { type Actor, checkGrant, type Grant, grantStep, type UploadType } from '../order-media';
import { change, keys, type MediaPorts } from './ports';

export interface UploadGrant {
  grantId: string;
  orderId: string;
  status: OrderStatus;
  upload: { method: 'PUT'; url: string; headers: Record<string, string> };
  contentType: UploadType;
  bytes: number;
  expiresAt: string;
  /** The grant must be confirmed by then, or it lapses. */
  confirmBy: string;
}

/**
 * Issues a presigned PUT to the status's taker: one object key of this order and status, the
 * declared type and exact size signed in, a short lifetime. A new grant replaces an unused one,
 * so a phone that lost its grant asks again; only the newest can be confirmed.
 */
export async function grantUpload(
  ports: MediaPorts,
  orderId: string,
  status: OrderStatus,
  actor: Actor,
  request: { contentType: UploadType; bytes: number },
): Promise<UploadGrant> {
  const { settings } = ports;
  if (request.bytes > settings.limits.maxBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `a photo may have at most ${settings.limits.maxBytes} bytes; ${request.bytes} were declared`,
      { maxBytes: settings.limits.maxBytes },
    );
  }
  const current = await ports.orders.get(orderId);
  if (!current) throw AppError.notFound('order', { orderId });
  checkGrant(current, status, actor, ports.clock(), settings.policy);

  const grantId = ports.newId('grt');
  const key = keys.upload(settings, orderId, status, grantId, request.contentType);
  const signed = await ports.objects.presignPut({
    key,
    contentType: request.contentType,
    bytes: request.bytes,
    expiresInSeconds: settings.grantSeconds,
  });
  const grant: Grant = {
    grantId,
    issuedTo: { role: actor.role === 'rider' ? 'rider' : 'merchant', subject: actor.subject },
    key,
    contentType: request.contentType,
    bytes: request.bytes,
    issuedAt: ports.clock(),
    expiresAt: signed.expiresAt,
    state: grantStep(null, 'issued'),
  };
  await change(ports, orderId, (order) => {
    if (!order) throw AppError.notFound('order', { orderId });
    const slot = checkGrant(order, status, actor, ports.clock(), settings.policy);
    return {
      next: { ...order, slots: { ...order.slots, [status]: { ...slot, takenBy: slot.takenBy, grant } } },
      result: grant,
    };
  });
  return {
    grantId,
    orderId,
    status,
    upload: { method: 'PUT', url: signed.url, headers: signed.headers },
    contentType: request.contentType,
    bytes: request.bytes,
    expiresAt: signed.expiresAt.toISOString(),
    confirmBy: new Date(signed.expiresAt.getTime() + settings.confirmGraceSeconds * 1_000).toISOString(),
  };
}

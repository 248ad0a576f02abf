import type { OrderStatus } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { type Actor, type AttachedMedia, checkConfirm, type Grant, grantStep } from '../order-media';
import { judgeBytes, judgeDecoded, judgeObject, type Refusal } from '../verification';
import { attach, mediaHref } from './attach-media.use-case';
import { change, type EncodedImage, keys, type MediaPorts } from './ports';

/** How many leading bytes tell the type. */
const HEAD_BYTES = 32;

/**
 * The taker says the upload is done. A confirmation before anything was uploaded is refused
 * and leaves the grant usable. Otherwise the grant is held (`confirming`, for a lease) in one
 * conditional write, so it confirms once across every instance; then the object itself is
 * checked (size, stored and sniffed type, that it decodes, its dimensions) and re-encoded
 * without its metadata (location included). A bad upload is deleted and refused with its
 * reason, spending the grant; a good one is attached, its event published and the grant spent
 * in the same write. A check that cannot finish (the object store away) lets go of the grant,
 * and an instance that dies holding it lets go when the lease lapses: the upload can be
 * confirmed again, never left spent without its photo.
 */
export async function confirmUpload(
  ports: MediaPorts,
  orderId: string,
  status: OrderStatus,
  grantId: string,
  actor: Actor,
): Promise<{ mediaId: string; href: string }> {
  const { settings } = ports;
  const graceMs = settings.confirmGraceSeconds * 1_000;
  const before = await ports.orders.get(orderId);
  if (!before) throw AppError.notFound('order', { orderId });
  const pending = checkConfirm(before, status, grantId, actor, ports.clock(), graceMs);
  if (!(await ports.objects.head(pending.grant.key))) {
    throw new AppError('UNPROCESSABLE', 'nothing was uploaded with this grant yet; upload, then confirm', {
      reason: 'missing',
      grantId,
    });
  }
  const { result: grant } = await change(ports, orderId, (order) => {
    if (!order) throw AppError.notFound('order', { orderId });
    const now = ports.clock();
    const { slot, grant: current } = checkConfirm(order, status, grantId, actor, now, graceMs);
    const held: Grant = {
      ...current,
      state: grantStep(current.state, 'confirming'),
      confirmingUntil: new Date(now.getTime() + settings.confirmLeaseSeconds * 1_000),
    };
    return { next: { ...order, slots: { ...order.slots, [status]: { ...slot, grant: held } } }, result: held };
  });
  if (!grant) throw AppError.notFound('upload grant', { grantId });
  try {
    return await checkAndAttach(ports, orderId, status, grant);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'UNPROCESSABLE')
      await letGo(ports, orderId, status, grantId).catch(() => undefined);
    throw error;
  }
}

async function checkAndAttach(
  ports: MediaPorts,
  orderId: string,
  status: OrderStatus,
  grant: Grant,
): Promise<{ mediaId: string; href: string }> {
  const { settings } = ports;
  const { grantId } = grant;
  const refusal = await verify(ports, grant);
  if (refusal.kind === 'refused') {
    await ports.objects.remove(grant.key);
    await change(ports, orderId, (order) => {
      const slot = order?.slots[status];
      if (!order || !slot) return undefined;
      const rejections = [...slot.rejections, { at: ports.clock(), grantId, reason: refusal.refusal.reason }].slice(
        -20,
      );
      const spent =
        // A grant another confirmation spent meanwhile stays as that one left it.
        slot.grant?.grantId === grantId && slot.grant.state !== 'used'
          ? { ...slot.grant, state: grantStep(slot.grant.state, 'used'), confirmingUntil: undefined }
          : slot.grant;
      return {
        next: { ...order, slots: { ...order.slots, [status]: { ...slot, grant: spent, rejections } } },
        result: true,
      };
    });
    throw new AppError('UNPROCESSABLE', refusal.refusal.reason, { reason: refusal.refusal.code, grantId });
  }

  const { encoded } = refusal;
  const mediaId = ports.newId('med');
  const media: AttachedMedia = {
    mediaId,
    source: 'photo',
    fallback: false,
    takenBy: grant.issuedTo,
    key: keys.media(settings, orderId, status, mediaId, encoded.contentType),
    thumbnailKey: keys.thumbnail(settings, orderId, status, mediaId, encoded.thumbnailType),
    contentType: encoded.contentType,
    width: encoded.width,
    height: encoded.height,
    bytes: encoded.image.length,
    attachedAt: ports.clock(),
  };
  await Promise.all([
    ports.objects.put(media.key, encoded.image, encoded.contentType),
    ports.objects.put(media.thumbnailKey, encoded.thumbnail, encoded.thumbnailType),
  ]);
  const attached = await attach(ports, orderId, status, media, grantId);
  // The upload as taken (its metadata included) goes once the decision is written, whatever it was.
  await ports.objects.remove(grant.key);
  if (!attached) {
    await Promise.all([ports.objects.remove(media.key), ports.objects.remove(media.thumbnailKey)]);
    throw new AppError('WINDOW_CLOSED', `the ${status} image was settled while the photo was checked`, {
      orderStatus: status,
    });
  }
  return { mediaId, href: mediaHref(orderId, status) };
}

/** Gives a held grant back when its check could not finish, so the upload can be confirmed again. */
async function letGo(ports: MediaPorts, orderId: string, status: OrderStatus, grantId: string): Promise<void> {
  await change(ports, orderId, (order) => {
    const slot = order?.slots[status];
    if (!order || !slot?.grant || slot.grant.grantId !== grantId || slot.grant.state !== 'confirming') return undefined;
    return {
      next: {
        ...order,
        slots: {
          ...order.slots,
          [status]: {
            ...slot,
            grant: { ...slot.grant, state: grantStep(slot.grant.state, 'issued'), confirmingUntil: undefined },
          },
        },
      },
      result: true,
    };
  });
}

type Verified = { kind: 'refused'; refusal: Refusal } | { kind: 'ok'; encoded: EncodedImage };

async function verify(ports: MediaPorts, grant: Grant): Promise<Verified> {
  const { limits } = ports.settings;
  // The size and stored type are judged before the body is read, so an oversized object never reaches memory.
  const early = judgeObject(await ports.objects.head(grant.key), grant, limits);
  if (early) return { kind: 'refused', refusal: early };
  const body = await ports.objects.read(grant.key);
  if (!body) return { kind: 'refused', refusal: { code: 'missing', reason: 'nothing was uploaded with this grant' } };
  const refusal =
    judgeObject({ bytes: body.length, contentType: grant.contentType }, grant, limits) ??
    judgeBytes(body.subarray(0, HEAD_BYTES), grant) ??
    judgeDecoded(await ports.images.dimensions(body), limits);
  if (refusal) return { kind: 'refused', refusal };
  const encoded = await ports.images.normalizePhoto(body, grant.contentType);
  if (!encoded)
    return { kind: 'refused', refusal: { code: 'not_an_image', reason: 'the upload does not decode as an image' } };
  return { kind: 'ok', encoded };
}

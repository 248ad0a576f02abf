import { type Answer, api, ApiError, ok } from './api.js';
import { h, time } from './dom.js';
import { locale, type Session, t } from './session.js';

/** A status's picture as the media service shows it to the order's readers. */
export type MediaSlot = Answer<'/api/media/v1/orders/{orderId}/media', 'get'>['media'][number];

/** The image types the media service takes (its grant route's `contentType`). */
const uploadTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;
const isUploadType = (type: string): type is (typeof uploadTypes)[number] =>
  (uploadTypes as readonly string[]).includes(type);

let takers: Promise<Record<string, string>> | undefined;

/** Which statuses take a real-shot photo, and who takes it (`status` → `merchant` | `rider`). */
function photoTakers(session: Session): Promise<Record<string, string>> {
  takers ??= ok(api(session).GET('/api/media/v1/media/policy')).then((p) =>
    Object.fromEntries(
      Object.entries(p.policy).flatMap(([status, m]) => (m.kind === 'photo' && m.takenBy ? [[status, m.takenBy]] : [])),
    ),
  );
  return takers;
}

/**
 * Uploads a photo the way a phone does: a grant from the media service, the file PUT straight
 * to the presigned S3 URL with the signed headers, then the confirmation that has it checked.
 */
export async function uploadPhoto(
  session: Session,
  orderId: string,
  status: MediaSlot['status'],
  file: File,
): Promise<void> {
  if (!isUploadType(file.type))
    throw new ApiError(415, {
      detail: `a photo must be ${uploadTypes.join(', ')}, not ${file.type || 'an unknown type'}`,
    });
  const grant = await ok(
    api(session).POST('/api/media/v1/orders/{orderId}/media/{status}/grants', {
      params: { path: { orderId, status } },
      body: { contentType: file.type, bytes: file.size },
    }),
  );
  const put = await fetch(grant.upload.url, { method: 'PUT', headers: grant.upload.headers, body: file });
  if (!put.ok) throw new ApiError(put.status, { detail: `the upload was refused (${put.status})` });
  await ok(
    api(session).POST('/api/media/v1/orders/{orderId}/media/{status}/grants/{grantId}/confirm', {
      params: { path: { orderId, status, grantId: grant.grantId } },
    }),
  );
}

/**
 * The pictures of one order, per status: real-shot photos and synthesized images with their
 * thumbnails; where a photo is still owed and this terminal is the one to take it, a button
 * that opens the camera (or the photo library).
 */
export function mediaPanel(session: Session, orderId: string): { element: HTMLElement; refresh: () => Promise<void> } {
  const element = h('div', { class: 'media', 'data-testid': 'media', dataset: { orderId } });
  const error = h('p', { class: 'error', role: 'alert' });
  const refresh = async () => {
    let slots: MediaSlot[];
    try {
      slots = (await ok(api(session).GET('/api/media/v1/orders/{orderId}/media', { params: { path: { orderId } } })))
        .media;
    } catch (e) {
      // No media service, or no pictures yet for an order it has not heard of: show nothing.
      if (e instanceof ApiError && (e.status === 404 || e.status === 502)) return;
      throw e;
    }
    const mine: Record<string, string> = await photoTakers(session).catch(() => ({}));
    element.replaceChildren(
      ...slots.map((slot) => {
        const label = `${t(`status.${slot.status}` as never)} · ${slot.media ? (slot.media.source === 'photo' ? t('media.photo') : slot.media.fallback ? t('media.fallback') : t('media.synthesized')) : slot.kind === 'photo' ? t('media.awaiting') : t('media.pending')}`;
        if (slot.media) {
          return h(
            'figure',
            { dataset: { status: slot.status, source: slot.media.source } },
            h(
              'a',
              { href: slot.media.url, target: '_blank', rel: 'noopener' },
              h('img', { src: slot.media.thumbnailUrl, alt: label, loading: 'lazy' }),
            ),
            h('figcaption', {}, label, ' ', time(slot.media.attachedAt, locale)),
          );
        }
        const canTake = slot.kind === 'photo' && mine[slot.status] === session.role;
        if (!canTake)
          return h('figure', { class: 'awaiting', dataset: { status: slot.status } }, h('figcaption', {}, label));
        const input = h('input', {
          type: 'file',
          accept: uploadTypes.join(','),
          capture: 'environment',
          'aria-label': t('media.take'),
          'data-testid': `photo-${slot.status}`,
        });
        input.addEventListener('change', () => {
          const file = input.files?.[0];
          if (!file) return;
          error.textContent = '';
          uploadPhoto(session, orderId, slot.status, file)
            .then(refresh)
            .catch(
              (e: unknown) =>
                (error.textContent = t('action.failed', { detail: e instanceof Error ? e.message : String(e) })),
            );
        });
        return h(
          'figure',
          { class: 'awaiting', dataset: { status: slot.status } },
          h('figcaption', {}, label),
          h('label', { class: 'camera' }, `📷 ${t('media.take')} `, input),
        );
      }),
      error,
    );
  };
  return { element, refresh };
}

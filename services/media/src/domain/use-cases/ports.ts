import type { OrderStatus, OutgoingEvent } from '@orderpulse/contracts';
import { LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import type { MediaPolicy } from '../media-policy';
import type { OrderMedia, UploadType } from '../order-media';
import type { UploadLimits } from '../verification';

/** A decoded, re-encoded image: metadata stripped, orientation applied, with its thumbnail. */
export interface EncodedImage {
  image: Buffer;
  contentType: UploadType;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailType: UploadType;
}

/** The due timer's data: which status of which order owes an image. */
export interface MediaDueJob {
  orderId: string;
  status: OrderStatus;
}

/** What the media use cases work through; the data-access and providers layers provide it. */
export interface MediaPorts {
  orders: {
    get(orderId: string): Promise<OrderMedia | undefined>;
    /** Writes `next` if the stored version is still `next.version` (0: not stored yet), with its events; false if another write came first. */
    save(next: OrderMedia, events: readonly OutgoingEvent[]): Promise<boolean>;
  };
  objects: ObjectPort;
  images: ImagePort;
  timers: { scheduleAt(id: string, at: Date, data: MediaDueJob): Promise<void> };
  clock(): Date;
  newId(prefix: string): string;
  settings: MediaSettings;
}

/** The media bucket. */
export interface ObjectPort {
  presignPut(input: {
    key: string;
    contentType: UploadType;
    bytes: number;
    expiresInSeconds: number;
  }): Promise<{ url: string; headers: Record<string, string>; expiresAt: Date }>;
  presignGet(key: string, expiresInSeconds: number): Promise<{ url: string; expiresAt: Date }>;
  /** The object's size and stored type, without its body; undefined when there is none. */
  head(key: string): Promise<{ bytes: number; contentType: string | undefined } | undefined>;
  read(key: string): Promise<Buffer | undefined>;
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Decoding, re-encoding and rendering of images. */
export interface ImagePort {
  /** Reads only the header: undefined when the bytes are no image sharp knows. */
  dimensions(body: Buffer): Promise<{ width: number; height: number } | undefined>;
  /** Fully decodes and re-encodes a photo; undefined when it does not decode (truncated, corrupt). */
  normalizePhoto(body: Buffer, type: UploadType): Promise<EncodedImage | undefined>;
  rasterize(svg: string, format: 'png' | 'webp'): Promise<EncodedImage>;
}

export interface MediaSettings {
  policy: MediaPolicy;
  limits: UploadLimits;
  keyPrefix: string;
  grantSeconds: number;
  confirmGraceSeconds: number;
  /** How long a confirmation holds its grant while it checks the upload. */
  confirmLeaseSeconds: number;
  graceSeconds: number;
  readUrlSeconds: number;
  pushUrlSeconds: number;
  synthFormat: 'png' | 'webp';
  timeZone: string;
  source: string;
  mediaEventsTopic: string;
}

/**
 * Applies a change decided from the current document, with optimistic concurrency: if another
 * instance wrote first, the change is decided again from what it wrote. `decide` returns
 * undefined when nothing is to change, and may throw to refuse.
 */
export async function change<T>(
  ports: MediaPorts,
  orderId: string,
  decide: (current: OrderMedia | undefined) => { next: OrderMedia; events?: OutgoingEvent[]; result: T } | undefined,
): Promise<{ order: OrderMedia | undefined; result: T | undefined }> {
  return retryOnConflict(`order ${orderId}`, async () => {
    const current = await ports.orders.get(orderId);
    const decided = decide(current);
    if (!decided) return { order: current, result: undefined };
    const events = decided.events ?? [];
    if (!(await ports.orders.save(decided.next, events))) return LOST_RACE;
    return { order: { ...decided.next, version: decided.next.version + 1 }, result: decided.result };
  });
}

/** Object keys: uploads land under `uploads/`, attached images under `media/`, each scoped to order and status. */
export const keys = {
  upload: (s: MediaSettings, orderId: string, status: OrderStatus, grantId: string, type: UploadType) =>
    `${s.keyPrefix}uploads/${encodeURIComponent(orderId)}/${status}/${grantId}.${extension(type)}`,
  media: (s: MediaSettings, orderId: string, status: OrderStatus, mediaId: string, type: UploadType) =>
    `${s.keyPrefix}media/${encodeURIComponent(orderId)}/${status}/${mediaId}.${extension(type)}`,
  thumbnail: (s: MediaSettings, orderId: string, status: OrderStatus, mediaId: string, type: UploadType) =>
    `${s.keyPrefix}media/${encodeURIComponent(orderId)}/${status}/${mediaId}.thumb.${extension(type)}`,
  source: (s: MediaSettings, orderId: string, status: OrderStatus, mediaId: string) =>
    `${s.keyPrefix}media/${encodeURIComponent(orderId)}/${status}/${mediaId}.svg`,
};

function extension(type: UploadType): string {
  return { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[type];
}

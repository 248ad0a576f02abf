import { type UploadType, uploadTypes } from './order-media';

/** Why an upload was refused; the uploader is told the reason with the code. */
export type Refusal =
  | { code: 'missing'; reason: string }
  | { code: 'size'; reason: string }
  | { code: 'type'; reason: string }
  | { code: 'not_an_image'; reason: string }
  | { code: 'dimensions'; reason: string };

/** What the upload is checked against. */
export interface UploadLimits {
  maxBytes: number;
  minDimension: number;
  maxDimension: number;
}

const startsWith = (bytes: Uint8Array, at: number, signature: readonly number[]) =>
  signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * The image type the first bytes say, whatever the name or the declared type claim.
 * Other formats phones make (HEIC, GIF) are named so the refusal can say what was sent.
 */
export function sniffType(head: Uint8Array): UploadType | 'image/heic' | 'image/gif' | undefined {
  if (startsWith(head, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, 0, ascii('RIFF')) && startsWith(head, 8, ascii('WEBP'))) return 'image/webp';
  if (startsWith(head, 0, ascii('GIF8'))) return 'image/gif';
  if (
    startsWith(head, 4, ascii('ftyp')) &&
    ['heic', 'heix', 'mif1', 'msf1', 'hevc'].some((brand) => startsWith(head, 8, ascii(brand)))
  )
    return 'image/heic';
  return undefined;
}

/**
 * The checks on the stored object before its body is read: it is there, its size is the
 * granted one and within the limit, and the type stored with it is the granted one.
 */
export function judgeObject(
  stored: { bytes: number; contentType: string | undefined } | undefined,
  grant: { contentType: UploadType; bytes: number },
  limits: UploadLimits,
): Refusal | undefined {
  if (!stored) return { code: 'missing', reason: 'nothing was uploaded with this grant' };
  if (stored.bytes === 0) return { code: 'size', reason: 'the upload is empty' };
  if (stored.bytes > limits.maxBytes)
    return { code: 'size', reason: `the upload has ${stored.bytes} bytes; at most ${limits.maxBytes} are taken` };
  if (stored.bytes !== grant.bytes)
    return { code: 'size', reason: `the upload has ${stored.bytes} bytes, not the ${grant.bytes} granted` };
  if (stored.contentType?.split(';')[0]?.trim().toLowerCase() !== grant.contentType) {
    return {
      code: 'type',
      reason: `the upload was stored as ${stored.contentType ?? 'no type'}, not the granted ${grant.contentType}`,
    };
  }
  return undefined;
}

/** The check on the body's first bytes: they are an image, of the granted type (whatever the name says). */
export function judgeBytes(head: Uint8Array, grant: { contentType: UploadType }): Refusal | undefined {
  const sniffed = sniffType(head);
  if (!sniffed)
    return {
      code: 'not_an_image',
      reason: `the upload is declared ${grant.contentType} but its bytes are not an image`,
    };
  if (sniffed !== grant.contentType)
    return { code: 'type', reason: `the upload is declared ${grant.contentType} but its bytes are ${sniffed}` };
  return undefined;
}

/** The checks after decoding: the picture is big enough to show and not absurdly large. */
export function judgeDecoded(
  decoded: { width: number; height: number } | undefined,
  limits: UploadLimits,
): Refusal | undefined {
  if (!decoded) return { code: 'not_an_image', reason: 'the upload does not decode as an image' };
  const { width, height } = decoded;
  if (Math.min(width, height) < limits.minDimension)
    return {
      code: 'dimensions',
      reason: `the picture is ${width}×${height}; each side must be at least ${limits.minDimension} px`,
    };
  if (Math.max(width, height) > limits.maxDimension)
    return {
      code: 'dimensions',
      reason: `the picture is ${width}×${height}; no side may exceed ${limits.maxDimension} px`,
    };
  return undefined;
}

export function isUploadType(value: string): value is UploadType {
  return (uploadTypes as readonly string[]).includes(value);
}

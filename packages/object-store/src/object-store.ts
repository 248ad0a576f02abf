import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ObjectStoreSettings {
  /** Unset for AWS S3; the server's URL for an S3-compatible one. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
}

/**
 * An S3 client that works against AWS S3 and S3-compatible servers alike. Recent SDKs add
 * CRC32 checksums to every request by default, which several compatible servers refuse;
 * checksums only where the operation requires them keeps both working.
 */
export function createS3Client(settings: ObjectStoreSettings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
  });
}

export interface PresignedPut {
  url: string;
  /** Headers the uploader must send exactly as given: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: Date;
}

/**
 * A URL that lets its holder PUT one object, of one content type, until it expires. With
 * `contentLength` the length is signed too, so the server refuses a body of any other size:
 * a presigned PUT has no size range, but an exact declared size bounds it all the same.
 */
export async function presignPut(
  client: S3Client,
  input: { bucket: string; key: string; contentType: string; expiresInSeconds: number; contentLength?: number },
): Promise<PresignedPut> {
  const sized = input.contentLength !== undefined;
  const command = new PutObjectCommand({
    Bucket: input.bucket,
    Key: input.key,
    ContentType: input.contentType,
    ...(sized ? { ContentLength: input.contentLength } : {}),
  });
  const signed = sized ? ['content-type', 'content-length'] : ['content-type'];
  const url = await getSignedUrl(client, command, {
    expiresIn: input.expiresInSeconds,
    signableHeaders: new Set(signed),
  });
  const headers: Record<string, string> = {
    'content-type': input.contentType,
    ...(sized ? { 'content-length': String(input.contentLength) } : {}),
  };
  return { url, headers, expiresAt: expiryOf(url, input.expiresInSeconds) };
}

/** When a SigV4 presigned URL stops working: its signing time (whole seconds) plus its lifetime. */
function expiryOf(url: string, expiresInSeconds: number): Date {
  const signed = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    new URL(url).searchParams.get('X-Amz-Date') ?? '',
  );
  if (!signed) return new Date(Date.now() + expiresInSeconds * 1_000);
  const [, y, mo, d, h, mi, s] = signed.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) + expiresInSeconds * 1_000);
}

/** A URL that lets its holder GET one object until it expires. */
export async function presignGet(
  client: S3Client,
  input: { bucket: string; key: string; expiresInSeconds: number },
): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: input.bucket, Key: input.key }), {
    expiresIn: input.expiresInSeconds,
  });
}

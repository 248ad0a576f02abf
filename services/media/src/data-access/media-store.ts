import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { presignGet, presignPut } from '@orderpulse/object-store';

import type { UploadType } from '../domain/order-media';
import type { ObjectPort } from '../domain/use-cases/ports';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/**
 * The media bucket: presigned links for phones and readers, and the service's own reads and writes.
 * Links are signed by `presigner`, a client configured with the endpoint as the outside world
 * reaches it (SigV4 signs the host); it makes no calls of its own.
 */
export class MediaStore implements ObjectPort {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly presigner: S3Client = s3,
  ) {}

  /** For readiness: the bucket answers and these credentials reach it. */
  async ping(): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  presignPut(input: { key: string; contentType: UploadType; bytes: number; expiresInSeconds: number }) {
    return presignPut(this.presigner, {
      bucket: this.bucket,
      key: input.key,
      contentType: input.contentType,
      contentLength: input.bytes,
      expiresInSeconds: input.expiresInSeconds,
    });
  }

  async presignGet(key: string, expiresInSeconds: number) {
    const expiresAt = new Date(Date.now() + expiresInSeconds * 1_000);
    return { url: await presignGet(this.presigner, { bucket: this.bucket, key, expiresInSeconds }), expiresAt };
  }

  async head(key: string) {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: head.ContentLength ?? 0, contentType: head.ContentType };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(key: string) {
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return got.Body ? Buffer.from(await got.Body.transformToByteArray()) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Buffer | string, contentType: string) {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        CacheControl: 'private, max-age=31536000, immutable',
      }),
    );
  }

  async remove(key: string) {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

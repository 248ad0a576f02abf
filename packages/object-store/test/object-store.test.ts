import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, presignGet, presignPut } from '@orderpulse/object-store';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';

const env = stackEnv();
const settings = {
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  accessKeyId: env.S3_ACCESS_KEY_ID,
  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  forcePathStyle: true,
};
const s3 = createS3Client(settings);
const bucket = env.S3_BUCKET;

afterAll(() => s3.destroy());

describe('the object store against the S3-compatible server', () => {
  test('the SDK puts and gets an object in the bucket the stack created', async () => {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const key = `${uniqueName('sdk')}/hello.txt`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello', ContentType: 'text/plain' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  test('a phone uploads with a presigned PUT over plain HTTP and reads it back with a presigned GET', async () => {
    const key = `${uniqueName('phone')}/photo.jpg`;
    const grant = await presignPut(s3, { bucket, key, contentType: 'image/jpeg', expiresInSeconds: 60 });
    const put = await fetch(grant.url, {
      method: 'PUT',
      headers: grant.headers,
      body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
    });
    expect(put.status).toBe(200);
    const get = await fetch(await presignGet(s3, { bucket, key, expiresInSeconds: 60 }));
    expect(Buffer.from(await get.arrayBuffer())).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  });

  test('the server refuses a presigned PUT with another content type, a forged signature, or after expiry', async () => {
    const key = `${uniqueName('refused')}/photo.jpg`;
    const grant = await presignPut(s3, { bucket, key, contentType: 'image/jpeg', expiresInSeconds: 2 });
    const inTime = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'x' });
    expect(inTime.status).toBe(200);
    const wrongType = await fetch(grant.url, {
      method: 'PUT',
      headers: { 'content-type': 'text/html' },
      body: '<html>',
    });
    expect(wrongType.status).toBe(403);
    const forged = await fetch(grant.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`), {
      method: 'PUT',
      headers: grant.headers,
      body: 'x',
    });
    expect(forged.status).toBe(403);
    const late = await waitFor(
      async () => (await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: 'x' })).status,
      { until: (status) => status !== 200, timeoutMs: 5_000, intervalMs: 100, what: 'the grant to expire' },
    );
    expect(late).toBe(403);
    expect(Date.now()).toBeGreaterThanOrEqual(grant.expiresAt.getTime());
  });

  test('a presigned PUT with a signed length takes a body of exactly that length and refuses any other', async () => {
    const key = `${uniqueName('sized')}/photo.jpg`;
    const grant = await presignPut(s3, {
      bucket,
      key,
      contentType: 'image/jpeg',
      expiresInSeconds: 60,
      contentLength: 4,
    });
    expect(grant.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': '4' });
    const longer = await fetch(grant.url, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.alloc(5),
    });
    expect(longer.status).toBe(403);
    const exact = await fetch(grant.url, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
    });
    expect(exact.status).toBe(200);
  });
});

/**
 * Object storage for orderpulse (the real-shot photos and synthesized images): one S3 client
 * configuration that works against AWS S3 and against S3-compatible servers, and presigned
 * URLs so that phones upload and download without credentials.
 */
export { createS3Client, type ObjectStoreSettings, presignPut, presignGet, type PresignedPut } from './object-store';

import type { MediaDueJob, MediaPorts } from '../../domain/use-cases/ports';
import { synthesizeDue } from '../../domain/use-cases/synthesize-image.use-case';

export const mediaDueQueue = 'media-due';

/** A slot's image is due: synthesize it, or stand in for the photo that did not come. Idempotent. */
export async function runMediaDue(ports: MediaPorts, job: MediaDueJob): Promise<void> {
  await synthesizeDue(ports, job.orderId, job.status);
}

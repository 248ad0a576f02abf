import { AppError } from '@orderpulse/service-kit';

import type { ClaimExpiryJob, SharingPorts } from '../../domain/use-cases/ports';
import { expireShare } from '../../domain/use-cases/share-order.use-case';

export const claimExpiryQueue = 'sharing-claim-expiry';

/** At the claim window's end: close the share if nobody claimed it. Safe to run any number of times. */
export async function runClaimExpiry(ports: SharingPorts, job: ClaimExpiryJob): Promise<void> {
  const order = await expireShare(ports, job.orgId, job.orderId, job.shareId);
  const share = order?.shares.find((s) => s.id === job.shareId);
  if (share?.status === 'pending') {
    // Fired before the deadline (clocks differ between hosts): try again shortly.
    throw new AppError('UNAVAILABLE', `share ${job.shareId} is not due until ${share.claimDeadline.toISOString()}`);
  }
}

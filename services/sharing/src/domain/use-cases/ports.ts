import type { OutgoingEvent } from '@orderpulse/contracts';
import type { TenantId } from '@orderpulse/service-kit';

import type { GuaranteeOrder, HistoryEntry, Member, Organisation } from '../guarantee-order';

/** What a claim-expiry timer carries: enough to find the share without asking anything else. */
export interface ClaimExpiryJob {
  orgId: TenantId;
  orderId: string;
  shareId: string;
}

/** The ports the sharing use cases work through; the data-access layer and the wiring provide them. */
export interface SharingPorts {
  orders: {
    insert(
      order: GuaranteeOrder,
      events: readonly OutgoingEvent[],
    ): Promise<{ created: boolean; order: GuaranteeOrder }>;
    get(orgId: TenantId, orderId: string): Promise<GuaranteeOrder | undefined>;
    bySecondOrder(orgId: TenantId, shareId: string): Promise<GuaranteeOrder | undefined>;
    update(
      orgId: TenantId,
      orderId: string,
      version: number,
      change: {
        set: Partial<Pick<GuaranteeOrder, 'status' | 'shares' | 'shareCount' | 'result'>>;
        history: HistoryEntry[];
      },
      events: readonly OutgoingEvent[],
    ): Promise<GuaranteeOrder | undefined>;
  };
  organisations: {
    organisation(orgId: TenantId): Promise<Organisation | undefined>;
    member(orgId: TenantId, memberId: string): Promise<Member | undefined>;
  };
  timers: {
    scheduleAt(id: string, at: Date, data: ClaimExpiryJob): Promise<void>;
    cancel(id: string): Promise<boolean>;
  };
  clock(): Date;
  /** A fresh id for a share (and its second order). */
  newShareId(): string;
  settings: {
    source: string;
    sharingEventsTopic: string;
    claimWindowSeconds: number;
    maxShares: number;
    typePriority: readonly string[];
  };
}

/** The claim-expiry timer's id: one per share, so scheduling it again is harmless. */
export function claimExpiryJobId(shareId: string): string {
  return `claim-expiry.${shareId}`;
}

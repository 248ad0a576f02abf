/** Where a push stands: waiting to be sent, or how it ended. */
export type DeliveryStatus =
  | 'pending'
  /** The gateway took it. */
  | 'delivered'
  /** The gateway said the device token is invalid; the device was removed. */
  | 'token_invalid'
  /** The gateway refused it (4xx); not retried. */
  | 'rejected'
  /** Every try failed (5xx, timeout). */
  | 'failed'
  /** The recipient muted the category; nothing was sent. */
  | 'muted'
  /** No provider reaches the device's platform; it gets the realtime channel only. */
  | 'unsupported'
  /** Its deadline (the countdown it announces) passed before it could be sent; nothing was sent. */
  | 'expired';

export const finalStatuses: ReadonlySet<DeliveryStatus> = new Set(['delivered', 'token_invalid', 'rejected', 'failed', 'muted', 'unsupported', 'expired']);

/** One try at the gateway. */
export interface Attempt {
  at: Date;
  outcome: 'delivered' | 'token_invalid' | 'rejected' | 'retry' | 'expired';
  httpStatus?: number;
  error?: string;
  ms: number;
}

/** One push: one event, one recipient, one device. Its key is the idempotency key. */
export interface Delivery {
  key: string;
  eventId: string;
  eventType: string;
  orderId: string;
  recipient: string;
  installationId: string;
  appCode: string;
  platform: string;
  category: string;
  title: string;
  body: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  createdAt: Date;
  updatedAt: Date;
}

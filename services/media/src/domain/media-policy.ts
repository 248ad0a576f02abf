import { OrderStatus } from '@orderpulse/contracts';
import { z } from 'zod';

/** Who takes a status's real-shot photo: the order's merchant or its assigned rider. */
export const Taker = z.enum(['merchant', 'rider']);
export type Taker = z.infer<typeof Taker>;

/** What a status is shown with: a real-shot photo (and who takes it) or a synthesized image. */
export type StatusMedia = { kind: 'photo'; takenBy: Taker } | { kind: 'synthesized' };

/** The media of each status that has any; statuses not named get none (refusals, closures). */
export type MediaPolicy = Readonly<Partial<Record<OrderStatus, StatusMedia>>>;

/**
 * The seed's split: the merchant receiving the order, the meal handed over, the rider at the
 * store and the delivery are shown as they really were; the payment, the rider taking the
 * order and the hand-on to a delivery company get a synthesized image.
 */
export const defaultPolicy =
  'new:synthesized,accepted:photo@merchant,dispatched:synthesized,rider_took:synthesized,rider_at_store:photo@rider,picked_up:photo@merchant,delivered:photo@rider';

const Entry = z.enum(['synthesized', 'photo@merchant', 'photo@rider']);

/**
 * Reads a policy written as `status:synthesized` or `status:photo@merchant|rider`, comma-separated,
 * refusing unknown statuses, unknown kinds and a status named twice, each with its reason.
 */
export function parsePolicy(text: string): { ok: true; policy: MediaPolicy } | { ok: false; problems: string[] } {
  const policy: Partial<Record<OrderStatus, StatusMedia>> = {};
  const problems: string[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [rawStatus = '', rawKind = ''] = part.split(':').map((s) => s.trim());
    const status = OrderStatus.safeParse(rawStatus);
    const kind = Entry.safeParse(rawKind);
    if (!status.success) problems.push(`${part}: ${rawStatus} is not an order status`);
    else if (!kind.success)
      problems.push(`${part}: ${rawKind} is neither synthesized nor photo@merchant / photo@rider`);
    else if (policy[status.data]) problems.push(`${part}: ${status.data} is named twice`);
    else
      policy[status.data] =
        kind.data === 'synthesized'
          ? { kind: 'synthesized' }
          : { kind: 'photo', takenBy: kind.data === 'photo@rider' ? 'rider' : 'merchant' };
  }
  if (problems.length === 0 && Object.keys(policy).length === 0) problems.push('the policy names no status');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy };
}

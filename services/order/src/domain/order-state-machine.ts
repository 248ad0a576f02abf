import type { OrderStatus } from '@orderpulse/contracts';

/** Who may trigger a transition. `system` is the deadline and the other machinery. */
export type ActorRole = 'customer' | 'merchant' | 'rider' | 'system';

export type OrderAction =
  | 'connect'
  | 'accept'
  | 'reject'
  | 'return'
  | 'dispatch'
  | 'adjudicate'
  | 'take'
  | 'arrive_at_store'
  | 'hand_over'
  | 'deliver';

/** When a transition may happen relative to the response deadline. */
type Window = 'open' | 'closed' | 'any';

interface Transition {
  action: OrderAction;
  from: readonly OrderStatus[];
  to: OrderStatus | ((from: OrderStatus) => OrderStatus);
  by: readonly ActorRole[];
  window: Window;
  reasonRequired?: boolean;
}

/**
 * The order lifecycle, declared. The merchant answers inside the response window (seed 002);
 * at the deadline the system adjudicates what is still open: `new` was never fetched by the
 * merchant terminal (not connected), `connected` was seen but not answered. Delivery steps
 * follow (seeds 000, 001).
 */
export const transitions: readonly Transition[] = [
  { action: 'connect', from: ['new'], to: 'connected', by: ['merchant'], window: 'open' },
  { action: 'accept', from: ['new', 'connected'], to: 'accepted', by: ['merchant'], window: 'open' },
  {
    action: 'reject',
    from: ['new', 'connected'],
    to: 'rejected',
    by: ['merchant'],
    window: 'open',
    reasonRequired: true,
  },
  { action: 'return', from: ['new', 'connected'], to: 'returned', by: ['merchant'], window: 'open' },
  { action: 'dispatch', from: ['new', 'connected'], to: 'dispatched', by: ['merchant'], window: 'open' },
  { action: 'dispatch', from: ['accepted'], to: 'dispatched', by: ['merchant'], window: 'any' },
  {
    action: 'adjudicate',
    from: ['new', 'connected'],
    to: (from) => (from === 'new' ? 'not_connected' : 'not_answered'),
    by: ['system'],
    window: 'closed',
  },
  { action: 'take', from: ['accepted', 'dispatched'], to: 'rider_took', by: ['rider'], window: 'any' },
  { action: 'arrive_at_store', from: ['rider_took'], to: 'rider_at_store', by: ['rider'], window: 'any' },
  {
    action: 'hand_over',
    from: ['rider_took', 'rider_at_store'],
    to: 'picked_up',
    by: ['rider', 'merchant'],
    window: 'any',
  },
  { action: 'deliver', from: ['picked_up'], to: 'delivered', by: ['rider'], window: 'any' },
];

/** Statuses in which the merchant has not answered yet: the countdown runs. */
export const awaitingResponse: readonly OrderStatus[] = ['new', 'connected'];

/** What the deadline's ruling leaves an unanswered order as. */
export const ruledAtDeadline: readonly OrderStatus[] = ['not_connected', 'not_answered'];

/** Whether the customer's wait for an answer is over. */
export function isAnswered(status: OrderStatus): boolean {
  return !awaitingResponse.includes(status) && status !== 'refused';
}

export type Decision =
  | { ok: true; to: OrderStatus }
  | {
      ok: false;
      code: 'ILLEGAL_TRANSITION' | 'WINDOW_CLOSED' | 'FORBIDDEN' | 'INVALID_INPUT';
      message: string;
      allowed: OrderAction[];
    };

export interface DecisionInput {
  status: OrderStatus;
  action: OrderAction;
  role: ActorRole;
  now: Date;
  deadline: Date;
  reason?: string | undefined;
}

/** The actions this role may take on an order in this status at this moment. */
export function allowedActions(status: OrderStatus, role: ActorRole, now: Date, deadline: Date): OrderAction[] {
  const open = now.getTime() < deadline.getTime();
  return transitions
    .filter(
      (t) => t.from.includes(status) && t.by.includes(role) && (t.window === 'any' || (t.window === 'open') === open),
    )
    .map((t) => t.action);
}

/** Decides a transition: pure, from the order's status, the actor and the clock. */
export function decide(input: DecisionInput): Decision {
  const { status, action, role, now, deadline } = input;
  const allowed = allowedActions(status, role, now, deadline);
  const candidates = transitions.filter((t) => t.action === action && t.from.includes(status));
  if (candidates.length === 0) {
    // An answer after the deadline is late whether or not the timer has ruled yet: the same 409 WINDOW_CLOSED either way.
    if (
      ruledAtDeadline.includes(status) &&
      transitions.some((t) => t.action === action && t.window === 'open' && t.by.includes(role))
    ) {
      return {
        ok: false,
        code: 'WINDOW_CLOSED',
        message: `the response window closed at ${deadline.toISOString()}; the order is ${status}`,
        allowed,
      };
    }
    return { ok: false, code: 'ILLEGAL_TRANSITION', message: `cannot ${action} an order that is ${status}`, allowed };
  }
  const byRole = candidates.filter((t) => t.by.includes(role));
  if (byRole.length === 0) {
    return { ok: false, code: 'FORBIDDEN', message: `a ${role} cannot ${action} an order`, allowed };
  }
  const open = now.getTime() < deadline.getTime();
  const inWindow = byRole.find((t) => t.window === 'any' || (t.window === 'open') === open);
  if (!inWindow) {
    return open
      ? {
          ok: false,
          code: 'ILLEGAL_TRANSITION',
          message: `the response window is still open until ${deadline.toISOString()}`,
          allowed,
        }
      : {
          ok: false,
          code: 'WINDOW_CLOSED',
          message: `the response window closed at ${deadline.toISOString()}`,
          allowed,
        };
  }
  if (inWindow.reasonRequired && !input.reason?.trim()) {
    return { ok: false, code: 'INVALID_INPUT', message: `${action} needs a reason`, allowed };
  }
  return { ok: true, to: typeof inWindow.to === 'function' ? inWindow.to(status) : inWindow.to };
}

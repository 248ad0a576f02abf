import { createHash } from 'node:crypto';

import { type AuditFailure, AuditCaseOpened, type B2bOrder, newEvent } from '@orderpulse/contracts';
import { LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import { type AuditCase, type Actor, caseIdFor, type FailureReason } from '../audit-case';
import { caseStep } from '../case-lifecycle';
import { routeRound } from '../case-routing';
import { DuplicateActiveCase } from '../errors';
import { type AuditPorts, scheduleFor } from './ports';

const middleOffice: Actor = { role: 'middle-office', subject: 'middle-office' };
const system: Actor = { role: 'system', subject: 'audit' };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface Received {
  case: AuditCase;
  /** False when this notification was already taken (a redelivery, or the same one on both channels). */
  created: boolean;
}

function reasonOf(failure: AuditFailure): FailureReason {
  return { ...(failure.reasonCode ? { code: failure.reasonCode } : {}), text: failure.reasonText };
}

/**
 * Takes an audit-failure notification, from Kafka or the webhook: idempotent by notification
 * id. The order it names is looked up; a failure for an order that already has a case joins
 * that case; a new one is classified and sent to its docking person; one for an order not
 * known yet is parked with the reason and looked for again.
 */
export async function receiveFailure(ports: AuditPorts, failure: AuditFailure): Promise<Received> {
  return retryOnConflict(`the case of notification ${failure.notificationId}`, async () => {
    const seen = await ports.cases.byNotification(failure.notificationId);
    if (seen) return { case: seen, created: false };
    const order = await ports.orders.find(failure);
    const active = order ? await ports.cases.activeFor(order.orderNo) : undefined;
    try {
      if (active)
        return {
          case: (await joinCase(ports, active, failure.notificationId, reasonOf(failure))) ?? active,
          created: true,
        };
      return await openCase(ports, failure, order);
    } catch (error) {
      // Another notification for the same order opened its case first: join that one.
      if (error instanceof DuplicateActiveCase) return LOST_RACE;
      throw error;
    }
  });
}

async function openCase(ports: AuditPorts, failure: AuditFailure, order: B2bOrder | undefined): Promise<Received> {
  const now = ports.clock();
  const caseId = caseIdFor(failure.notificationId, sha256);
  const target = {
    ...(failure.orderNo ? { orderNo: failure.orderNo } : {}),
    ...(failure.preOrderNo ? { preOrderNo: failure.preOrderNo } : {}),
  };
  const base: Omit<AuditCase, 'status' | 'history'> = {
    caseId,
    version: 1,
    round: 1,
    notificationIds: [failure.notificationId],
    target,
    reason: reasonOf(failure),
    receivedAt: now,
    updatedAt: now,
  };
  let created: AuditCase;
  const events = [];
  if (order) {
    const routed = routeRound({
      caseId,
      round: 1,
      order,
      reason: base.reason,
      policy: await ports.policies.current(),
      account: await ports.policies.account(order.customerAccount),
      now,
    });
    const opened = caseStep(null, {
      action: 'opened',
      by: middleOffice,
      at: now,
      note: failure.reasonText,
      details: {
        ruleId: routed.opened.ruleId,
        reasonType: routed.opened.reasonType,
        handlerId: routed.opened.handlerId,
      },
    });
    created = { ...base, ...routed.set, status: opened.status, history: [opened.history] };
    events.push({
      topic: ports.settings.auditEventsTopic,
      event: newEvent(AuditCaseOpened, { source: ports.settings.source, subject: order.orderNo, data: routed.opened }),
    });
  } else {
    const parkedReason = `no order ${failure.orderNo ?? ''}${failure.orderNo && failure.preOrderNo ? ' / ' : ''}${failure.preOrderNo ? `pre-order ${failure.preOrderNo}` : ''} is known yet`;
    const parkedUntil = new Date(now.getTime() + ports.settings.parkGiveUpHours * 3_600_000);
    const parked = caseStep(null, { action: 'parked', by: middleOffice, at: now, note: parkedReason });
    created = { ...base, status: parked.status, parkedReason, parkedUntil, history: [parked.history] };
  }
  const inserted = await ports.cases.insert(created, events);
  if (inserted.created) await scheduleFor(ports, inserted.case);
  return inserted;
}

/**
 * A further failure for an order whose case is still active. While the handler still owes a
 * fix it is only recorded; after a fix it starts a new round: classified and routed again,
 * with a new deadline, as the re-review's failure does.
 */
export async function joinCase(
  ports: AuditPorts,
  active: AuditCase,
  notificationId: string | undefined,
  reason: FailureReason,
): Promise<AuditCase | undefined> {
  const now = ports.clock();
  if (active.status === 'open' || !active.order) {
    const updated = await ports.cases.update(
      active,
      {
        set: { updatedAt: now },
        history: caseStep(active.status, {
          action: 'failed_again',
          to: active.status,
          by: middleOffice,
          at: now,
          note: reason.text,
        }).history,
        ...(notificationId ? { notificationId } : {}),
      },
      [],
    );
    if (!updated) throw new DuplicateActiveCase('the case changed meanwhile');
    return updated;
  }
  return startRound(ports, active, active.order, reason, notificationId);
}

/** Opens the next round of a case whose fix did not pass. Throws `DuplicateActiveCase` when it lost a race. */
export async function startRound(
  ports: AuditPorts,
  c: AuditCase,
  order: B2bOrder,
  reason: FailureReason,
  notificationId?: string,
): Promise<AuditCase> {
  const updated = await tryStartRound(ports, c, order, reason, notificationId);
  if (!updated) throw new DuplicateActiveCase('the case changed meanwhile');
  return updated;
}

/** Opens the next round of a case if it is still at the version read; undefined when another change came first. */
export async function tryStartRound(
  ports: AuditPorts,
  c: AuditCase,
  order: B2bOrder,
  reason: FailureReason,
  notificationId?: string,
): Promise<AuditCase | undefined> {
  const now = ports.clock();
  const round = c.status === 'parked' || c.status === 'unmatched' ? c.round : c.round + 1;
  const routed = routeRound({
    caseId: c.caseId,
    round,
    order,
    reason,
    policy: await ports.policies.current(),
    account: await ports.policies.account(order.customerAccount),
    now,
  });
  const step = caseStep(c.status, {
    action: round === c.round ? 'opened' : 'failed_again',
    to: 'open',
    by: notificationId || round === c.round ? middleOffice : system,
    at: now,
    note: reason.text,
    details: {
      round,
      ruleId: routed.opened.ruleId,
      reasonType: routed.opened.reasonType,
      handlerId: routed.opened.handlerId,
    },
  });
  const updated = await ports.cases.update(
    c,
    {
      set: { ...routed.set, status: step.status, updatedAt: now },
      unset: ['escalatedAt', 'parkedReason', 'parkedUntil', 'lastResubmitError'],
      history: step.history,
      ...(notificationId ? { notificationId } : {}),
    },
    [
      {
        topic: ports.settings.auditEventsTopic,
        event: newEvent(AuditCaseOpened, {
          source: ports.settings.source,
          subject: order.orderNo,
          data: routed.opened,
        }),
      },
    ],
  );
  if (!updated) return undefined;
  await scheduleFor(ports, updated);
  return updated;
}

/**
 * Looks again for the order a parked case names. Found: the case opens (or, if the order has
 * meanwhile got a case of its own, is folded into it). Not found: looked for again later, until
 * the give-up time makes it `unmatched`. Safe to run any number of times.
 */
export async function lookForOrder(ports: AuditPorts, caseId: string): Promise<AuditCase | undefined> {
  return retryOnConflict(`case ${caseId}`, async () => {
    const c = await ports.cases.get(caseId);
    if (!c || (c.status !== 'parked' && c.status !== 'unmatched')) return c;
    const order = await ports.orders.find(c.target);
    const now = ports.clock();
    if (!order) {
      if (c.status === 'unmatched') return c;
      if (c.parkedUntil && c.parkedUntil.getTime() <= now.getTime()) {
        const note = `gave up looking after ${ports.settings.parkGiveUpHours} h; matched if the order arrives`;
        const step = caseStep(c.status, { action: 'unmatched', by: system, at: now, note });
        const updated = await ports.cases.update(
          c,
          { set: { status: step.status, updatedAt: now }, history: step.history },
          [],
        );
        return updated ?? LOST_RACE;
      }
      await scheduleFor(ports, c);
      return c;
    }
    try {
      const active = await ports.cases.activeFor(order.orderNo);
      if (!active) return await startRound(ports, c, order, c.reason);
      const folded = caseStep(c.status, {
        action: 'failed_again',
        to: 'closed',
        by: system,
        at: now,
        note: `folded into case ${active.caseId} of order ${order.orderNo}`,
      });
      const merged = await ports.cases.update(
        c,
        { set: { status: folded.status, updatedAt: now }, history: folded.history },
        [],
      );
      if (!merged) return LOST_RACE;
      await joinCase(ports, active, undefined, c.reason);
      return merged;
    } catch (error) {
      if (error instanceof DuplicateActiveCase) return LOST_RACE;
      throw error;
    }
  });
}

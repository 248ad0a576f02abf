import { AuditPassed, AuditResubmissionFailed, type B2bOrder, type EventData, newEvent } from '@orderpulse/contracts';

import { type Actor, type AuditCase, caseRef } from '../audit-case';
import { caseStep } from '../case-lifecycle';
import { CallFailed } from '../errors';
import { fillTemplate, resubmissionFailedTemplate } from '../messages';
import { type AuditPorts, scheduleFor } from './ports';
import { tryStartRound } from './receive-failure.use-case';

const middleOffice: Actor = { role: 'middle-office', subject: 'middle-office' };
const system: Actor = { role: 'system', subject: 'audit' };

/**
 * Re-submits a fixed case to the middle office. Passed: the case records it and publishes the
 * audit-success message, then hands it to the user system. Failed again: a new round with the
 * new reason. Refused outright (a 4xx) or unanswered after every try: back with the handler.
 * A transient failure before the last try is thrown, so the job is retried with backoff.
 *
 * The verdict is never dropped because the case changed while the middle office was asked
 * (another write raised its version): it is applied to the case as it now is, for as long as
 * that case is still re-submitting the same round. A case that has moved on (a newer round, or
 * the verdict already applied by another run) is left as it is.
 */
export async function resubmit(ports: AuditPorts, caseId: string, attempt: number): Promise<void> {
  const c = await ports.cases.get(caseId);
  if (!c || c.status !== 'resubmitting' || !c.order || !c.resolution) return;
  const order = c.order;
  const now = ports.clock();
  try {
    const verdict = await ports.middleOffice.review(
      {
        caseId: c.caseId,
        round: c.round,
        orderNo: order.orderNo,
        ...(order.preOrderNo ? { preOrderNo: order.preOrderNo } : {}),
        notificationIds: c.notificationIds,
        fix: { note: c.resolution.note, by: c.resolution.by, at: c.resolution.at.toISOString() },
      },
      `${c.caseId}.r${c.round}.v${c.version}`,
      now,
    );
    if (verdict.result === 'failed') {
      const reason = { ...(verdict.reasonCode ? { code: verdict.reasonCode } : {}), text: verdict.reasonText };
      await onCurrentRound(ports, c, (current) => tryStartRound(ports, current, order, reason));
      return;
    }
    const policy = await ports.policies.current();
    const passed: EventData<typeof AuditPassed> = {
      ...caseRef(c, order),
      order,
      passedAt: now.toISOString(),
      message: fillTemplate(policy.policy.successMessage, { order }),
    };
    await onCurrentRound(ports, c, async (current) => {
      const step = caseStep(current.status, {
        action: 'passed',
        by: middleOffice,
        at: now,
        details: { round: current.round },
      });
      const updated = await ports.cases.update(
        current,
        {
          set: { status: step.status, passedAt: now, successMessage: passed.message, updatedAt: now },
          history: step.history,
        },
        [
          {
            topic: ports.settings.auditEventsTopic,
            event: newEvent(AuditPassed, {
              source: ports.settings.source,
              subject: order.orderNo,
              id: passedEventId(current.caseId),
              data: passed,
            }),
          },
        ],
      );
      if (!updated) return undefined;
      await scheduleFor(ports, updated);
      return updated;
    });
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error;
    if (error.retryable && attempt < ports.settings.callAttempts) throw error;
    await onCurrentRound(ports, c, (current) => giveBack(ports, current, order, error.message, now));
  }
}

/**
 * Applies a verdict about `read`'s round to the case as it is now: tried on the version read,
 * and after a lost race on the fresh one, while the case is still re-submitting that round.
 */
async function onCurrentRound(
  ports: AuditPorts,
  read: AuditCase,
  apply: (current: AuditCase) => Promise<AuditCase | undefined>,
): Promise<void> {
  let current: AuditCase | undefined = read;
  while (current && current.status === 'resubmitting' && current.round === read.round) {
    if (await apply(current)) return;
    current = await ports.cases.get(read.caseId);
  }
}

/** The audit-success event's id: one per case, so the user system can recognise a repeat. */
export function passedEventId(caseId: string): string {
  return `${caseId}.passed`;
}

async function giveBack(
  ports: AuditPorts,
  c: AuditCase,
  order: B2bOrder,
  reason: string,
  now: Date,
): Promise<AuditCase | undefined> {
  const notice = fillTemplate(resubmissionFailedTemplate, { order, reason });
  const step = caseStep(c.status, { action: 'resubmit_failed', by: system, at: now, note: reason });
  const updated = await ports.cases.update(
    c,
    { set: { status: step.status, lastResubmitError: reason, updatedAt: now }, history: step.history },
    [
      {
        topic: ports.settings.auditEventsTopic,
        event: newEvent(AuditResubmissionFailed, {
          source: ports.settings.source,
          subject: order.orderNo,
          data: { ...caseRef(c, order), reason, notice },
        }),
      },
    ],
  );
  return updated;
}

import { type CaseStatus, caseStatuses } from '../src/domain/audit-case';
import { caseStep, caseTransitions, decideCase } from '../src/domain/case-lifecycle';

const at = new Date('2026-12-07T10:00:00Z');
const system = { role: 'system', subject: 'audit' } as const;

describe('the audit case lifecycle (seed 003)', () => {
  test('a notice parks a case or opens it; a fix sends it to re-audit; a pass and its delivery close it', () => {
    expect(decideCase(null, 'parked', 'middle-office')).toEqual({ ok: true, to: 'parked' });
    expect(decideCase(null, 'opened', 'middle-office')).toEqual({ ok: true, to: 'open' });
    expect(decideCase('parked', 'opened', 'middle-office')).toEqual({ ok: true, to: 'open' });
    expect(decideCase('open', 'fix_recorded', 'handler')).toEqual({ ok: true, to: 'resubmitting' });
    expect(decideCase('resubmit_failed', 'fix_recorded', 'admin')).toEqual({ ok: true, to: 'resubmitting' });
    expect(decideCase('resubmitting', 'passed', 'middle-office')).toEqual({ ok: true, to: 'passed' });
    expect(decideCase('resubmitting', 'resubmit_failed', 'system')).toEqual({ ok: true, to: 'resubmit_failed' });
    expect(decideCase('passed', 'delivered', 'system')).toEqual({ ok: true, to: 'closed' });
  });

  test('a step the table does not allow is refused, saying why: the wrong status, the wrong actor, or an end not named', () => {
    expect(decideCase('passed', 'fix_recorded', 'handler')).toMatchObject({
      ok: false,
      message: expect.stringContaining('cannot take fix_recorded on a case that is passed'),
    });
    expect(decideCase('open', 'fix_recorded', 'middle-office')).toMatchObject({
      ok: false,
      message: expect.stringContaining('the middle-office cannot'),
    });
    expect(decideCase('open', 'delivered', 'system')).toMatchObject({ ok: false });
    // A further failure on a re-submitting case is either a note or the next round: the caller says which.
    expect(decideCase('resubmitting', 'failed_again', 'middle-office')).toMatchObject({
      ok: false,
      message: expect.stringContaining('more than one status'),
    });
    expect(decideCase('resubmitting', 'failed_again', 'middle-office', 'resubmitting')).toEqual({
      ok: true,
      to: 'resubmitting',
    });
    expect(decideCase('resubmitting', 'failed_again', 'system', 'open')).toEqual({ ok: true, to: 'open' });
    expect(decideCase('resubmitting', 'failed_again', 'system', 'closed')).toMatchObject({ ok: false });
    expect(() => caseStep('closed', { action: 'opened', by: system, at })).toThrow('audit case lifecycle');
  });

  test('closed is the end, every status is reached, and each step writes its status into its history entry', () => {
    expect(caseTransitions.filter((t) => t.from.includes('closed'))).toEqual([]);
    const reached = new Set<CaseStatus>(caseTransitions.flatMap((t) => (t.to === 'same' ? [] : [t.to])));
    expect([...reached].sort()).toEqual([...caseStatuses].sort());
    const step = caseStep('open', {
      action: 'escalated',
      by: { role: 'system', subject: 'deadline' },
      at,
      details: { leadId: 'lead-1' },
    });
    expect(step).toEqual({
      status: 'open',
      history: {
        at,
        action: 'escalated',
        by: { role: 'system', subject: 'deadline' },
        status: 'open',
        details: { leadId: 'lead-1' },
      },
    });
  });
});

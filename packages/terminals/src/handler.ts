import { api, ok } from './api.js';
import { cardsOr, deskAction, followDesk } from './desk.js';
import { h, money, time } from './dom.js';
import { startPage } from './page.js';
import { locale, type Session, t } from './session.js';
import type { AuditCaseView } from './views.js';

/** The B2B handler's desk (seed 003): the audit-failure cases routed to them, and recording the fix. */
const page = startPage('handler', 'page.handler');
if (page) run(page.session, page.main, page.setLive);

function run(session: Session, main: HTMLElement, setLive: (live: boolean) => void): void {
  const list = h('section', { 'data-testid': 'cases' });
  const error = h('p', { class: 'error', role: 'alert' });
  main.append(h('h2', {}, t('handler.cases')), error, list);

  const act = deskAction(error, () => load());
  const fix = (caseId: string, note: string) =>
    act(() =>
      api(session).POST('/api/audit/v1/audit/cases/{caseId}/fix', { params: { path: { caseId } }, body: { note } }),
    );

  const card = (c: AuditCaseView) => {
    const note = h('input', { placeholder: t('handler.note'), 'aria-label': t('handler.note'), maxlength: 2000 });
    const open = c.status === 'open' || c.status === 'resubmit_failed';
    return h(
      'article',
      { class: `box${c.overdue ? ' overdue' : ''}`, dataset: { caseId: c.caseId, status: c.status } },
      h(
        'header',
        {},
        h('strong', {}, c.order?.orderNo ?? c.target.orderNo ?? c.target.preOrderNo ?? '—'),
        ' · ',
        c.reasonType ?? '—',
        ' · ',
        h('span', { class: 'status' }, c.status),
        c.overdue ? h('span', { class: 'late' }, ` ${t('handler.overdue')}`) : null,
      ),
      c.order ? h('p', {}, `${c.order.buyer.company} · ${money(c.order.total, c.order.currency)}`) : null,
      h('p', {}, c.reason.code ? `${c.reason.code}: ${c.reason.text}` : c.reason.text),
      c.deadline ? h('p', { class: 'muted' }, time(c.deadline, locale)) : null,
      open
        ? h(
            'div',
            { class: 'actions' },
            note,
            h(
              'button',
              { class: 'primary', onclick: () => void fix(c.caseId, note.value.trim() || '—') },
              t('handler.fix'),
            ),
          )
        : null,
    );
  };

  const load = async () => {
    const result = await ok(api(session).GET('/api/audit/v1/audit/cases', { params: { query: { limit: 50 } } }));
    list.replaceChildren(...cardsOr(result.cases, card, t('handler.none')));
  };

  followDesk(session, setLive, error, load);
  // Some steps tell nobody (the user system taking the success message closes the case): look again now and then.
  setInterval(() => void load().catch(() => undefined), 15_000);
}

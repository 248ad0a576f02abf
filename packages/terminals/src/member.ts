import { type Answer, api, ok } from './api.js';
import { cardsOr, deskAction, followDesk } from './desk.js';
import { h, time } from './dom.js';
import { startPage } from './page.js';
import { locale, type Session, t } from './session.js';

/**
 * An organisation member's terminal (seed 004): their own guarantee orders and whom they share
 * them with, the orders shared with them to claim, a result on either side, and the
 * organisation's other orders by priority.
 */
/** A guarantee order as the sharing service shows it to a member. */
type GuaranteeOrderView = Answer<'/api/sharing/v1/guarantee-orders/{id}', 'get'>;
type OriginalOrder = Extract<GuaranteeOrderView, { kind: 'original' }>;
type SecondOrder = Extract<GuaranteeOrderView, { kind: 'shared' }>;

const page = startPage('member', 'page.member');
if (page) run(page.session, page.main, page.setLive);

function run(session: Session, main: HTMLElement, setLive: (live: boolean) => void): void {
  const orgId = session.tenant ?? '';
  const error = h('p', { class: 'error', role: 'alert' });
  const owned = h('section', { 'data-testid': 'owned' });
  const shared = h('section', { 'data-testid': 'shared' });
  const others = h('ul', { class: 'recent', 'data-testid': 'shareable' });
  main.append(
    error,
    h('h2', {}, t('member.owned')),
    owned,
    h('h2', {}, t('member.shared')),
    shared,
    h('h2', {}, t('member.shareable')),
    others,
  );
  /** The organisation's members, read with the first load. */
  let members: { memberId: string; name: string }[] | undefined;

  const client = api(session);
  const act = deskAction(error, () => load());

  const results = (o: GuaranteeOrderView) =>
    o.status === 'active' && (o.kind === 'original' || o.share.status === 'claimed')
      ? h(
          'div',
          { class: 'actions' },
          ...(['completed', 'rejected', 'cancelled'] as const).map((status) =>
            h(
              'button',
              {
                'data-result': status,
                onclick: () =>
                  void act(() =>
                    client.POST('/api/sharing/v1/guarantee-orders/{id}/result', {
                      params: { path: { id: o.orderId } },
                      body: { status },
                    }),
                  ),
              },
              t(`member.result.${status}`),
            ),
          ),
        )
      : null;

  const header = (o: GuaranteeOrderView) =>
    h(
      'header',
      {},
      h('strong', {}, o.title),
      ` · ${o.orderType} · ${o.reference} · `,
      h('span', { class: 'status' }, o.result ? t(`member.result.${o.result.status}` as never) : o.status),
    );

  const ownCard = (o: OriginalOrder) => {
    const target = h(
      'select',
      { 'aria-label': t('member.shareWith') },
      ...(members ?? [])
        .filter((m) => m.memberId !== session.subject)
        .map((m) => h('option', { value: m.memberId }, m.name)),
    );
    return h(
      'article',
      { class: 'box', dataset: { orderId: o.orderId } },
      header(o),
      h(
        'ul',
        {},
        ...(o.shares ?? []).map((s) =>
          h(
            'li',
            { dataset: { shareStatus: s.status } },
            `${s.targetId} · ${s.status}`,
            s.status === 'pending'
              ? h(
                  'button',
                  {
                    class: 'small',
                    onclick: () =>
                      void act(() =>
                        client.POST('/api/sharing/v1/guarantee-orders/{id}/revoke', {
                          params: { path: { id: s.shareId } },
                        }),
                      ),
                  },
                  t('member.revoke'),
                )
              : null,
          ),
        ),
      ),
      o.status === 'active'
        ? h(
            'div',
            { class: 'actions' },
            target,
            h(
              'button',
              {
                class: 'primary',
                onclick: () =>
                  void act(() =>
                    client.POST('/api/sharing/v1/guarantee-orders/{id}/shares', {
                      params: { path: { id: o.orderId } },
                      body: { targetId: target.value },
                    }),
                  ),
              },
              t('member.share'),
            ),
            ` ${o.shareCount}/${o.maxShares}`,
          )
        : null,
      results(o),
    );
  };

  const sharedCard = (o: SecondOrder) =>
    h(
      'article',
      { class: 'box', dataset: { orderId: o.orderId, shareStatus: o.share.status } },
      header(o),
      h(
        'p',
        { class: 'muted' },
        `${t('member.from')} ${o.ownerId} · ${o.share.status}${o.share.status === 'pending' ? ` · ${t('member.claimBy')} ${time(o.share.claimDeadline, locale)}` : ''}`,
      ),
      o.share.status === 'pending'
        ? h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                class: 'primary',
                onclick: () =>
                  void act(() =>
                    client.POST('/api/sharing/v1/guarantee-orders/{id}/claim', { params: { path: { id: o.orderId } } }),
                  ),
              },
              t('member.claim'),
            ),
            h(
              'button',
              {
                onclick: () =>
                  void act(() =>
                    client.POST('/api/sharing/v1/guarantee-orders/{id}/decline', {
                      params: { path: { id: o.orderId } },
                    }),
                  ),
              },
              t('member.decline'),
            ),
          )
        : null,
      results(o),
    );

  const load = async () => {
    members ??= (await ok(client.GET('/api/sharing/v1/organisations/{orgId}/members', { params: { path: { orgId } } })))
      .members;
    const [mine, withMe, list] = await Promise.all([
      ok(client.GET('/api/sharing/v1/guarantee-orders', { params: { query: { scope: 'owned' } } })),
      ok(client.GET('/api/sharing/v1/guarantee-orders', { params: { query: { scope: 'shared' } } })),
      ok(client.GET('/api/sharing/v1/shareable-orders', { params: { query: { limit: 50 } } })),
    ]);
    owned.replaceChildren(
      ...cardsOr(
        mine.orders.filter((o) => o.kind === 'original'),
        ownCard,
        t('member.none'),
      ),
    );
    shared.replaceChildren(
      ...cardsOr(
        withMe.orders.filter((o) => o.kind === 'shared'),
        sharedCard,
        t('member.none'),
      ),
    );
    others.replaceChildren(
      ...list.orders.map((o) =>
        h('li', {}, h('strong', {}, o.title), ` · ${o.orderType} · ${o.ownerId} · ${o.shareCount}/${o.maxShares}`),
      ),
    );
  };

  followDesk(session, setLive, error, load);
}

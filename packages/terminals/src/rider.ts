import { api, ok } from './api.js';
import { cardsOr, deskAction, followDesk } from './desk.js';
import { h, shortOrderNumber } from './dom.js';
import { mediaPanel } from './media.js';
import { startPage } from './page.js';
import { type Session, t } from './session.js';
import type { OrderView } from './views.js';

/** The delivery terminal (seed 001): assigned orders, the stocking report and the delivery steps. */
const page = startPage('rider', 'page.rider');
if (page) run(page.session, page.main, page.setLive);

const steps = [
  { step: 'took', label: 'rider.took', from: ['accepted', 'dispatched'] },
  { step: 'arrived_at_store', label: 'rider.arrived', from: ['rider_took'] },
  { step: 'handed_over', label: 'rider.handedOver', from: ['rider_took', 'rider_at_store'] },
  { step: 'delivered', label: 'rider.delivered', from: ['picked_up'] },
] as const;

function run(session: Session, main: HTMLElement, setLive: (live: boolean) => void): void {
  const list = h('section', { 'data-testid': 'deliveries' });
  const error = h('p', { class: 'error', role: 'alert' });
  main.append(h('h2', {}, t('rider.assigned')), error, list);

  const client = api(session);
  const post = deskAction(error, () => load());

  const card = (view: OrderView & { destination: { line: string } }) => {
    const o = view.order;
    const reason = h('input', { placeholder: t('action.reason'), 'aria-label': t('action.reason') });
    const photos = mediaPanel(session, o.orderId);
    void photos.refresh();
    return h(
      'article',
      { class: 'box', dataset: { orderId: o.orderId, status: o.status } },
      h(
        'header',
        {},
        h('strong', {}, shortOrderNumber(o.orderId)),
        ' · ',
        h('span', { class: 'status' }, t(`status.${o.status}` as never)),
      ),
      h('p', {}, view.destination.line),
      o.stocking
        ? h('p', { class: 'muted' }, `${o.stocking.status}${o.stocking.reason ? `: ${o.stocking.reason}` : ''}`)
        : null,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            onclick: () =>
              void post(() =>
                client.POST('/api/order/v1/deliveries/{id}/stocking', {
                  params: { path: { id: o.orderId } },
                  body: { status: 'success' },
                }),
              ),
          },
          t('rider.stockOk'),
        ),
        reason,
        h(
          'button',
          {
            onclick: () =>
              void post(() =>
                client.POST('/api/order/v1/deliveries/{id}/stocking', {
                  params: { path: { id: o.orderId } },
                  body: { status: 'failure', reason: reason.value.trim() || 'out of stock' },
                }),
              ),
          },
          t('rider.stockFail'),
        ),
      ),
      h(
        'div',
        { class: 'actions steps' },
        ...steps.map((s) =>
          h(
            'button',
            {
              disabled: !(s.from as readonly string[]).includes(o.status),
              'data-step': s.step,
              onclick: () =>
                void post(() =>
                  client.POST('/api/order/v1/deliveries/{id}/progress', {
                    params: { path: { id: o.orderId } },
                    body: { step: s.step },
                  }),
                ),
            },
            t(s.label),
          ),
        ),
      ),
      photos.element,
    );
  };

  const load = async () => {
    const result = await ok(client.GET('/api/order/v1/deliveries', { params: { query: { limit: 50 } } }));
    list.replaceChildren(...cardsOr(result.deliveries, card, t('rider.none')));
  };

  followDesk(session, setLive, error, load);
}

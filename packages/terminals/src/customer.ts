import { api, ApiError, ok } from './api.js';
import { remainingMs, ServerClock, stopwatch } from './clock.js';
import { h, money, shortOrderNumber, time } from './dom.js';
import { mediaPanel } from './media.js';
import { startPage } from './page.js';
import { followOrder } from './realtime.js';
import { endSession, locale, type Session, t } from './session.js';
import type { OrderView, Store } from './views.js';

/**
 * The customer's terminal: order from a store, then watch a digital stopwatch count down to
 * the store's deadline (seed 002) and the status timeline change live — over the order
 * service's event stream, or by long-polling when streaming is not possible.
 */
const page = startPage('customer', 'page.customer');
if (page) run(page.session, page.main, page.setLive);

function run(session: Session, main: HTMLElement, setLive: (live: boolean) => void): void {
  const storeId = new URLSearchParams(location.search).get('store') ?? 's-demo';
  const error = h('p', { class: 'error', role: 'alert' });
  const menu = h('section', { class: 'menu' });
  const tracking = h('section', { class: 'tracking', 'data-testid': 'tracking' });
  const mine = h('ul', { class: 'recent' });
  main.append(menu, error, tracking, h('h2', {}, t('customer.orders')), mine);
  let stopFollowing = () => undefined as void;

  const track = (first: OrderView) => {
    stopFollowing();
    const watch = h('div', { class: 'stopwatch', 'data-testid': 'stopwatch' });
    const status = h('p', { class: 'current' }, h('strong', { 'data-testid': 'order-status' }));
    const timeline = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
    const mode = h('span', { class: 'muted' });
    const photos = mediaPanel(session, first.order.orderId);
    const waiting = h('p', { class: 'muted' }, t('customer.waiting'));
    tracking.replaceChildren(
      h('h2', {}, `${shortOrderNumber(first.order.orderId)} · ${money(first.order.total, first.order.currency)}`),
      waiting,
      watch,
      status,
      mode,
      h('h3', {}, t('customer.timeline')),
      timeline,
      h('h3', {}, t('media.show')),
      photos.element,
    );
    let view = first;
    let clock = ServerClock.from(first.countdown.serverTime, Date.now());
    const render = async () => {
      const label = status.querySelector('strong');
      if (label) {
        label.textContent = t(`status.${view.order.status}` as never);
        label.dataset.status = view.order.status;
      }
      const history = await ok(
        api(session).GET('/api/order/v1/orders/{id}/history', { params: { path: { id: view.order.orderId } } }),
      );
      // Entries that moved the order on; an assignment, say, leaves the status as it was.
      timeline.replaceChildren(
        ...history.history
          .filter((e) => e.from !== e.to)
          .map((e) =>
            h(
              'li',
              { dataset: { status: e.to } },
              h('time', {}, time(e.at, locale)),
              ' ',
              t(`status.${e.to}` as never),
            ),
          ),
      );
    };
    const tick = () => {
      const left = view.order.answered ? 0 : remainingMs(view.countdown.deadline, clock.now(Date.now()));
      watch.textContent = stopwatch(left);
      watch.classList.toggle('stopped', view.order.answered);
      waiting.hidden = view.order.answered;
    };
    const timer = setInterval(tick, 100);
    // Pictures arrive a moment after their status (synthesized, or shot and checked): look again every few seconds.
    const pictures = setInterval(() => void photos.refresh().catch(() => undefined), 5_000);
    void photos.refresh().catch(() => undefined);
    tick();
    void render();
    const stop = followOrder<OrderView>(
      session,
      first,
      (next) => {
        view = next;
        clock = ServerClock.from(next.countdown.serverTime, Date.now());
        tick();
        void render();
        void listMine();
      },
      (m) => {
        mode.textContent = t(`follow.${m}`);
        setLive(m !== 'poll');
      },
      endSession,
    );
    stopFollowing = () => {
      clearInterval(timer);
      clearInterval(pictures);
      stop();
    };
  };

  const place = async (
    store: Store,
    quantities: Map<string, number>,
    address: { line: string; region: string; contactName: string; contactPhone: string },
  ) => {
    error.textContent = '';
    const lines = store.products
      .filter((p) => (quantities.get(p.productId) ?? 0) > 0)
      .map((p) => ({ productId: p.productId, quantity: quantities.get(p.productId) ?? 0, unitPrice: p.price }));
    try {
      const view = await ok(
        api(session).POST('/api/order/v1/orders', {
          params: { header: { 'Idempotency-Key': crypto.randomUUID() } },
          body: {
            merchantId: store.merchantId,
            storeId: store.storeId,
            currency: 'CNY',
            lines,
            delivery: address,
            locale,
          },
        }),
      );
      track(view);
      void listMine();
    } catch (e) {
      error.textContent = t('action.failed', { detail: e instanceof ApiError ? e.message : String(e) });
    }
  };

  const listMine = async () => {
    const list = await ok(api(session).GET('/api/order/v1/orders', { params: { query: { limit: 10 } } }));
    mine.replaceChildren(
      ...list.orders.map((v) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: '#', onclick: (e: Event) => (e.preventDefault(), track(v)) },
            shortOrderNumber(v.order.orderId),
          ),
          ` ${t(`status.${v.order.status}` as never)}`,
        ),
      ),
    );
  };

  void (async () => {
    try {
      const store = await ok(api(session).GET('/api/order/v1/stores/{id}', { params: { path: { id: storeId } } }));
      const quantities = new Map<string, number>(
        store.products
          .filter((p) => p.available)
          .slice(0, 1)
          .map((p) => [p.productId, 1]),
      );
      const total = h('strong', {});
      const refresh = () =>
        (total.textContent = money(
          store.products.reduce((sum, p) => sum + p.price * (quantities.get(p.productId) ?? 0), 0),
          'CNY',
        ));
      const rows = store.products.map((p) => {
        const input = h('input', {
          type: 'number',
          min: 0,
          max: 99,
          value: quantities.get(p.productId) ?? 0,
          disabled: !p.available,
          'aria-label': p.name,
          'data-product': p.productId,
        });
        input.addEventListener('input', () => {
          quantities.set(p.productId, Math.max(0, Number(input.value) || 0));
          refresh();
        });
        return h('li', {}, h('span', {}, p.name), h('span', { class: 'muted' }, money(p.price, 'CNY')), input);
      });
      const address = {
        line: h('input', { value: '1 Demo Road', 'aria-label': t('customer.address') }),
        region: h('input', { value: 'downtown', 'aria-label': 'region' }),
      };
      refresh();
      menu.replaceChildren(
        h('h2', {}, `${t('customer.menu')} · ${store.name}`),
        h('ul', { class: 'products' }, ...rows),
        h('p', {}, t('customer.address'), ' ', address.line, ' ', address.region),
        h('p', {}, `${t('customer.total')}: `, total),
        h(
          'button',
          {
            class: 'primary',
            'data-testid': 'place-order',
            onclick: () =>
              void place(store, quantities, {
                line: address.line.value,
                region: address.region.value,
                contactName: session.subject,
                contactPhone: '+86 100 0000 0000',
              }),
          },
          t('customer.place'),
        ),
      );
      await listMine();
    } catch (e) {
      error.textContent = t('action.failed', { detail: e instanceof Error ? e.message : String(e) });
    }
  })();
}

import { api, ApiError, ok } from './api.js';
import { fractionLeft, remainingMs, ServerClock } from './clock.js';
import { h, money, shortOrderNumber, time } from './dom.js';
import { mediaPanel } from './media.js';
import { startPage } from './page.js';
import { openSocket } from './realtime.js';
import { endSession, locale, type Session, t } from './session.js';
import type { OrderView } from './views.js';

/**
 * The merchant console (seed 002): each new order opens a processing box with the order's
 * data, a bar counting down to the deadline and the action buttons; when the time is up the
 * box is hidden and the order shows "not answered". Opening the box is what tells the order
 * service the order reached the terminal (`connected`).
 */
interface Box {
  view: OrderView;
  clock: ServerClock;
  windowMs: number;
  element: HTMLElement;
  fill: HTMLElement;
  left: HTMLElement;
}

const page = startPage('merchant', 'page.merchant');
if (page) run(page.session, page.main, page.setLive);

function run(session: Session, main: HTMLElement, setLive: (live: boolean) => void): void {
  const boxes = new Map<string, Box>();
  const incoming = h('section', { class: 'boxes', 'data-testid': 'incoming' });
  const empty = h('p', { class: 'muted' }, t('merchant.waiting'));
  const recent = h('ul', { class: 'recent', 'data-testid': 'recent' });
  const error = h('p', { class: 'error', role: 'alert' });
  main.append(h('h2', {}, t('merchant.incoming')), empty, incoming, error, h('h2', {}, t('merchant.recent')), recent);

  const showRecent = (view: OrderView, status = view.order.status) => {
    const id = view.order.orderId;
    let row = recent.querySelector<HTMLElement>(`[data-order-id="${id}"]`);
    if (!row) {
      // The photos stay open below the line while its status changes.
      const photos = h('div', { class: 'photos' });
      const toggle = h(
        'button',
        { class: 'small', 'data-testid': 'show-photos', onclick: () => void showPhotos(id, photos) },
        `📷 ${t('media.show')}`,
      );
      row = h('li', { dataset: { orderId: id } }, h('div', { class: 'line' }), toggle, photos);
    }
    row.dataset.status = status;
    row
      .querySelector('.line')
      ?.replaceChildren(
        h('strong', {}, shortOrderNumber(id)),
        ` ${money(view.order.total, view.order.currency)} · `,
        h('span', { class: `status ${status}` }, t(`status.${status}` as never)),
      );
    recent.prepend(row);
  };

  const showPhotos = async (id: string, holder: HTMLElement) => {
    const panel = mediaPanel(session, id);
    holder.replaceChildren(panel.element);
    await panel.refresh();
  };

  const close = (id: string, status?: OrderView['order']['status']) => {
    const box = boxes.get(id);
    if (!box) return;
    box.element.remove();
    boxes.delete(id);
    showRecent(box.view, status);
    empty.hidden = boxes.size > 0;
  };

  const act = async (id: string, action: 'accept' | 'reject' | 'return' | 'dispatch', reason?: string) => {
    error.textContent = '';
    try {
      const view = await ok(
        api(session).POST('/api/order/v1/orders/{id}/{action}', {
          params: { path: { id, action } },
          body: reason ? { reason } : {},
        }),
      );
      close(id);
      showRecent(view);
    } catch (e) {
      error.textContent = t('action.failed', { detail: e instanceof ApiError ? e.message : String(e) });
    }
  };

  const open = (view: OrderView) => {
    const id = view.order.orderId;
    if (view.order.answered || boxes.has(id)) return;
    const clock = ServerClock.from(view.countdown.serverTime, Date.now());
    const fill = h('div', { class: 'fill' });
    const left = h('span', { class: 'left', 'data-testid': 'seconds-left' });
    const reason = h('input', { placeholder: t('action.reason'), 'aria-label': t('action.reason'), maxlength: 500 });
    const button = (action: 'accept' | 'reject' | 'return' | 'dispatch', label: string, needsReason = false) =>
      h(
        'button',
        {
          class: action,
          'data-action': action,
          disabled: !view.order.allowedActions.includes(action),
          onclick: () => void act(id, action, needsReason ? reason.value.trim() || undefined : undefined),
        },
        label,
      );
    const element = h(
      'article',
      { class: 'box', 'data-testid': 'order-box', dataset: { orderId: id } },
      h(
        'header',
        {},
        h('strong', {}, shortOrderNumber(id)),
        ' ',
        time(view.order.placedAt, locale),
        ' · ',
        money(view.order.total, view.order.currency),
      ),
      h('ul', {}, ...view.order.lines.map((l) => h('li', {}, `${l.name ?? l.productId} × ${l.quantity}`))),
      h('p', {}, `${view.order.delivery.line} · ${view.order.delivery.contactName}`),
      view.order.note ? h('p', { class: 'note' }, view.order.note) : null,
      h('div', { class: 'bar', role: 'progressbar', 'data-testid': 'countdown-bar' }, fill),
      left,
      h(
        'div',
        { class: 'actions' },
        button('accept', t('action.accept')),
        reason,
        button('reject', t('action.reject'), true),
        button('return', t('action.return')),
        button('dispatch', t('action.dispatch')),
      ),
    );
    const windowMs = Date.parse(view.countdown.deadline) - Date.parse(view.order.placedAt);
    boxes.set(id, { view, clock, windowMs, element, fill, left });
    incoming.append(element);
    empty.hidden = true;
    tick();
  };

  const fetchAndOpen = async (id: string) => {
    try {
      const view = await ok(api(session).GET('/api/order/v1/orders/{id}', { params: { path: { id } } }));
      if (view.order.answered) {
        close(id, view.order.status);
        showRecent(view);
      } else open(view);
    } catch (e) {
      error.textContent = t('action.failed', { detail: e instanceof Error ? e.message : String(e) });
    }
  };

  function tick(): void {
    for (const [id, box] of boxes) {
      const remaining = remainingMs(box.view.countdown.deadline, box.clock.now(Date.now()));
      const fraction = fractionLeft(remaining, box.windowMs);
      box.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      box.fill.classList.toggle('late', fraction < 0.25);
      box.element.querySelector('.bar')?.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      box.left.textContent = `${Math.ceil(remaining / 1_000)} s`;
      // Time is up: the box goes, and the order shows as not answered until the server's verdict arrives.
      if (remaining <= 0) close(id, 'not_answered');
    }
  }
  setInterval(tick, 100);

  // What is pending and what was answered lately: on opening, and again when the realtime channel had a gap.
  async function load(): Promise<void> {
    const pending = await ok(
      api(session).GET('/api/order/v1/orders', { params: { query: { status: 'new,connected', limit: 50 } } }),
    );
    for (const view of pending.orders) await fetchAndOpen(view.order.orderId);
    // A box whose order is no longer pending was answered or ruled while we could not hear it.
    for (const id of [...boxes.keys()]) if (!pending.orders.some((v) => v.order.orderId === id)) await fetchAndOpen(id);
    const latest = await ok(api(session).GET('/api/order/v1/orders', { params: { query: { limit: 20 } } }));
    for (const view of latest.orders.reverse()) if (view.order.answered) showRecent(view);
  }

  openSocket(
    session,
    (message) => {
      if (message.eventType === 'order.placed') void fetchAndOpen(message.orderId);
      else if (
        message.status &&
        boxes.has(message.orderId) &&
        message.status !== 'new' &&
        message.status !== 'connected'
      )
        void fetchAndOpen(message.orderId);
      else if (message.status) {
        const row = recent.querySelector<HTMLElement>(`[data-order-id="${message.orderId}"]`);
        if (row) {
          row.dataset.status = message.status;
          const label = row.querySelector('.status');
          if (label) label.textContent = t(`status.${message.status}` as never);
        }
      }
    },
    setLive,
    () => void load(),
    endSession,
  );

  void load();
}

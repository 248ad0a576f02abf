import { ApiError, ok } from './api.js';
import { h } from './dom.js';
import { openSocket } from './realtime.js';
import { endSession, type Session, t } from './session.js';

/** What a desk's `load` and actions report a failure in: its alert line. */
function failed(error: HTMLElement, e: unknown): void {
  error.textContent = t('action.failed', { detail: e instanceof ApiError ? e.message : String(e) });
}

/**
 * A desk's action (the rider's, the handler's, the member's): clears the alert line, makes the
 * call, shows a refusal in the alert line, and reloads the desk either way.
 */
export function deskAction(
  error: HTMLElement,
  load: () => Promise<void>,
): (request: () => Promise<{ response: Response; error?: unknown }>) => Promise<void> {
  return async (request) => {
    error.textContent = '';
    try {
      await ok(request());
    } catch (e) {
      failed(error, e);
    }
    await load().catch((e: unknown) => failed(error, e));
  };
}

/**
 * Keeps a desk current: `load` now, and again on every realtime message and after a gap the
 * channel could not replay; a failed load shows in the alert line. A 4401/4403 close ends the
 * session (see `openSocket`).
 */
export function followDesk(
  session: Session,
  setLive: (live: boolean) => void,
  error: HTMLElement,
  load: () => Promise<void>,
): void {
  const reload = () => void load().catch((e: unknown) => failed(error, e));
  openSocket(session, reload, setLive, reload, endSession);
  reload();
}

/** A desk list's children: a card for each item, or one muted line saying there is none. */
export function cardsOr<T>(items: readonly T[], card: (item: T) => HTMLElement, none: string): HTMLElement[] {
  return items.length ? items.map(card) : [h('p', { class: 'muted' }, none)];
}

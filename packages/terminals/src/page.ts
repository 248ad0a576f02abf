import { h } from './dom.js';
import type { MessageKey } from './i18n.js';
import { currentSession, locale, type Session, switchLocale, t } from './session.js';

/**
 * Every terminal page's frame: title, who is signed in, the language switch and the live
 * indicator. Returns the session, or shows how to sign in and returns undefined.
 */
export function startPage(
  page: string,
  title: MessageKey,
): { session: Session; main: HTMLElement; setLive: (live: boolean) => void } | undefined {
  document.title = `${t(title)} · orderpulse`;
  const live = h('span', { class: 'live', 'data-testid': 'live' }, t('live.off'));
  const session = currentSession(page);
  const header = h(
    'header',
    {},
    h('a', { href: `/?lang=${locale}`, class: 'brand' }, 'orderpulse'),
    h('h1', {}, t(title)),
    session ? h('span', { class: 'who' }, `${session.role} · ${session.subject}`) : null,
    live,
    h('button', { class: 'lang', onclick: switchLocale }, t('lang.switch')),
  );
  const main = h('main', {});
  document.body.replaceChildren(header, main);
  if (!session) {
    main.append(h('p', { class: 'notice' }, t('login.needed')));
    return undefined;
  }
  const setLive = (on: boolean) => {
    live.textContent = on ? t('live.on') : t('live.off');
    live.classList.toggle('on', on);
  };
  return { session, main, setLive };
}

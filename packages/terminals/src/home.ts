import { h } from './dom.js';
import type { MessageKey } from './i18n.js';
import { locale, switchLocale, t } from './session.js';

/** The start page: every terminal, and the demo logins when the local start command seeded them. */
const pages: { page: string; title: MessageKey; role: string; who?: string }[] = [
  { page: 'customer', title: 'page.customer', role: 'customer' },
  { page: 'merchant', title: 'page.merchant', role: 'merchant' },
  { page: 'rider', title: 'page.rider', role: 'rider' },
  { page: 'handler', title: 'page.handler', role: 'handler' },
  { page: 'member', title: 'page.member', role: 'member', who: 'A' },
  { page: 'member', title: 'page.member', role: 'memberB', who: 'B' },
];

void (async () => {
  document.title = 'orderpulse';
  let logins: Record<string, string> = {};
  try {
    const response = await fetch('/demo/logins');
    if (response.ok) logins = (await response.json()) as Record<string, string>;
  } catch {
    // No demo logins outside the local start: the token box below is the way in.
  }
  const token = h('input', { placeholder: 'eyJ…', 'aria-label': 'token' });
  const which = h('select', { 'aria-label': 'page' }, ...pages.map((p) => h('option', { value: p.page }, t(p.title))));
  document.body.replaceChildren(
    h(
      'header',
      {},
      h('span', { class: 'brand' }, 'orderpulse'),
      h('h1', {}, t('login.pages')),
      h('button', { class: 'lang', onclick: switchLocale }, t('lang.switch')),
    ),
    h(
      'main',
      {},
      h('h2', {}, t('login.demo')),
      h(
        'ul',
        { class: 'pages' },
        ...pages.map((p) =>
          h(
            'li',
            {},
            logins[p.role]
              ? h(
                  'a',
                  { href: `/${p.page}?lang=${locale}#token=${logins[p.role]}` },
                  t(p.title),
                  p.who ? ` (${p.who})` : '',
                )
              : h('span', { class: 'muted' }, t(p.title)),
          ),
        ),
      ),
      h('h2', {}, t('login.paste')),
      h(
        'p',
        {},
        which,
        ' ',
        token,
        ' ',
        h(
          'button',
          { onclick: () => (location.href = `/${which.value}#token=${encodeURIComponent(token.value.trim())}`) },
          t('login.open'),
        ),
      ),
    ),
  );
})();

import { type Locale, type MessageKey, pickLocale, translate } from './i18n.js';

/** Who is signed in on this terminal, read from the token (the services check it; this only shows it). */
export interface Session {
  token: string;
  subject: string;
  role: string;
  tenant?: string;
}

const LANG_KEY = 'orderpulse.lang';
let sessionKey: string | undefined;

function decode(token: string): Session | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: string;
      role?: string;
      tenant?: string;
    };
    if (!json.sub || !json.role) return undefined;
    return { token, subject: json.sub, role: json.role, ...(json.tenant ? { tenant: json.tenant } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The page's session: a token handed over in the address (`#token=…`, kept out of server logs)
 * is moved to this tab's storage and removed from the address bar.
 */
export function currentSession(page: string): Session | undefined {
  const key = `orderpulse.token.${page}`;
  sessionKey = key;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(key, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem(key);
  return token ? decode(token) : undefined;
}

export const locale: Locale = pickLocale(
  new URLSearchParams(location.search).get('lang'),
  localStorage.getItem(LANG_KEY),
  navigator.languages,
);
document.documentElement.lang = locale;

export const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);

/**
 * The services ended this session (its token expired, or the member was deactivated): forget
 * the token and reload, so the page asks to sign in again instead of retrying with it forever.
 */
export function endSession(): void {
  if (sessionKey) sessionStorage.removeItem(sessionKey);
  location.reload();
}

/** Switches language and reloads, keeping the session. */
export function switchLocale(): void {
  localStorage.setItem(LANG_KEY, locale === 'en' ? 'zh-CN' : 'en');
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  location.href = url.toString();
}

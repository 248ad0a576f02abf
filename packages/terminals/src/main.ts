/**
 * The one entry of every terminal page: the path names the page (`/merchant`, `/merchant.html`),
 * and only that page's module is loaded.
 */
const pages = ['home', 'merchant', 'customer', 'rider', 'handler', 'member'] as const;
const requested = location.pathname.replace(/^\/+|\.html$|\/+$/g, '') || 'home';
const page = (pages as readonly string[]).includes(requested) ? requested : 'home';
void import(`./${page}.js`);

export {};

import { parse as parseCookies } from 'cookie';
import type { NextFunction, Request, Response } from 'express';

import { type AuthSettings, bearerToken, requireRole, verifyToken } from './auth';

const DASHBOARD_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The cookie an admin page's own requests carry; scoped to the page's path, unreadable by scripts. */
export const ADMIN_COOKIE = 'orderpulse_admin';

/**
 * Authorization for admin pages a browser opens (the queue dashboard), whose own requests carry no
 * `Authorization` header: an admin's bearer token works as on every route; or the token is given
 * once as `?access_token=`, checked, and kept in an HttpOnly, SameSite=Strict cookie scoped to
 * `basePath` that lives no longer than the token; the address is then cleaned by a redirect. Every
 * request is verified again, so an expired or forged cookie is refused like a token (401), and a
 * token of any other role is 403.
 */
export function adminConsole(settings: AuthSettings, basePath: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const given = req.query.access_token;
    if (typeof given === 'string') {
      const principal = await verifyToken(given, settings);
      requireRole(principal, 'admin');
      res.cookie(ADMIN_COOKIE, given, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: basePath,
        expires: principal.expiresAt ?? new Date(Date.now() + 60_000),
      });
      res.redirect(303, basePath);
      return;
    }
    const header = req.header('authorization');
    const cookie = header ? undefined : parseCookies(req.header('cookie') ?? '')[ADMIN_COOKIE];
    const principal = await verifyToken(cookie ?? bearerToken(header), settings);
    requireRole(principal, 'admin');
    req.principal = principal;
    // A page, unlike the API's data: its own scripts and the inline styles its components set.
    res.setHeader('content-security-policy', DASHBOARD_CSP);
    next();
  };
}

// @ts-check
// Stand-ins for the two B2B systems outside orderpulse that the audit service calls, so that
// `npm start` shows a fixed case go all the way to "closed" on one machine: a middle office
// that passes every re-submitted order and a user system that takes every audit-success
// message. Each call is written to .local/logs/partners.log. Local development only; tests
// use their own servers, which fail on demand.

import fs from 'node:fs';
import http from 'node:http';

export const partnerSecrets = {
  AUDIT_WEBHOOK_SECRET: 'orderpulse-local-middle-office-webhook-secret',
  MIDDLE_OFFICE_SECRET: 'orderpulse-local-middle-office-call-secret-x',
  USER_SYSTEM_SECRET: 'orderpulse-local-user-system-call-secret-xxx',
};

/** Starts both stand-ins on one loopback port; resolves to a function that stops them (its `port` is the one it got). */
export function startPartners(port, logFile) {
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const server = http.createServer((req, res) => {
    req.on('error', () => undefined);
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      log.write(`${new Date().toISOString()} ${req.method} ${req.url} ${body}\n`);
      if (req.method === 'POST' && req.url === '/reviews') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: 'passed' }));
      } else if (req.method === 'POST' && req.url === '/audit-results') {
        res.writeHead(204).end();
      } else {
        res
          .writeHead(404, { 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve(
        Object.assign(() => new Promise((done) => server.close(() => log.end(done))), {
          port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
        }),
      ),
    );
  });
}

// @ts-check
// The terminals' front door: serves the browser terminals and routes /api/<service>/… (HTTP
// and WebSocket) to the services, so pages, APIs and realtime share one origin. `npm start`
// runs it; in production an ingress or reverse proxy does the same routing.
//
//   node infra/local/gateway.mjs     (GATEWAY_PORT, ORDER_URL, NOTIFICATION_URL, AUDIT_URL,
//                                     MEDIA_URL, SHARING_URL, S3_ENDPOINT, DEMO_LOGINS_FILE)
//
// Node built-ins, helmet for the pages' security headers, and the API reference page (Swagger UI,
// served from swagger-ui-dist in node_modules: nothing is loaded from elsewhere).

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { answerClientErrors } from '@orderpulse/service-kit';
import helmet from 'helmet';

import { gatewayDocument } from './openapi.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TERMINALS = path.join(REPO, 'packages', 'terminals');
const SWAGGER_UI = path.dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));
const DOCS_FILES = { '/docs/swagger-ui-bundle.js': 'swagger-ui-bundle.js', '/docs/swagger-ui.css': 'swagger-ui.css' };
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>orderpulse API reference</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="api-reference"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
`;
// The document from this origin; no validator badge (it would call validator.swagger.io).
const DOCS_INIT = `SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api-reference', validatorUrl: null, deepLinking: true, persistAuthorization: false });\n`;

/**
 * The API reference page's headers: like the terminals', except that the reference renders its
 * own styles inline (`style-src 'unsafe-inline'`); script, data and fonts still from this origin only.
 */
const docsHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      workerSrc: ["'self'", 'blob:'],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
});

/**
 * The gateway's OpenAPI document: each service's own `/openapi.json`, merged under `/api/<service>`.
 * A service that does not answer, answers with something that is not an OpenAPI document, or
 * disagrees with the others on a shared component (a version skew during a rollout) is left out
 * and named in the description with why, so the page still opens with the rest.
 */
async function mergedDocument(services) {
  const answers = await Promise.all(
    Object.entries(services).map(async ([service, base]) => {
      try {
        const res = await fetch(new URL('/openapi.json', base), { signal: AbortSignal.timeout(2_000) });
        if (!res.ok) return { service, why: `answered ${res.status}` };
        const document = /** @type {any} */ (await res.json());
        const isDocument =
          document &&
          typeof document === 'object' &&
          typeof document.openapi === 'string' &&
          document.paths &&
          typeof document.paths === 'object';
        return isDocument ? { service, document } : { service, why: 'its answer is not an OpenAPI document' };
      } catch {
        return { service, why: 'not answering now' };
      }
    }),
  );
  const shown = [];
  const left = answers.filter((a) => !a.document);
  for (const answer of answers.filter((a) => a.document)) {
    try {
      await gatewayDocument([...shown, answer]);
      shown.push(answer);
    } catch (error) {
      left.push({ service: answer.service, why: `its document does not fit the others (${error.message})` });
    }
  }
  const document = /** @type {any} */ (await gatewayDocument(shown));
  if (left.length > 0)
    document.info.description += `\n\nNot shown now: ${left.map((a) => `${a.service} (${a.why})`).join('; ')}.`;
  return document;
}

const PAGES = /^\/(merchant|customer|rider|handler|member)(\.html)?$/;

const types = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
/**
 * The pages' headers (helmet): a strict Content-Security-Policy — scripts, styles and everything else
 * from this origin only, no inline script or style, no eval, no plugins, no framing, no forms elsewhere.
 * Beyond this origin only the object store, because photos go from the browser straight to presigned
 * URLs there and come back as presigned links; `blob:` shows a photo before it is uploaded.
 */
function pageHeaders(objectStore) {
  const store = objectStore ? [new URL(objectStore).origin] : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...store],
        connectSrc: ["'self'", ...store],
        fontSrc: ["'self'"],
        manifestSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}

/** A file under `root`, or undefined for anything that would leave it. */
function within(root, relative) {
  const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  return file.startsWith(root + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
}

function sendFile(res, file) {
  res.writeHead(200, {
    'content-type': types[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
  });
  // A file gone between the check and the read (a rebuild of the terminals) ends this answer, not the gateway.
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function problem(res, status, detail) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: http.STATUS_CODES[status], status, detail }));
}

/**
 * The decoded path of a request target, or undefined when it is not one: a malformed escape
 * (`/%E0%A4%A`), a target `new URL` refuses (`//`), or a NUL byte. Any request target a client
 * can send must get an answer, never an exception (it would stop the process).
 */
export function pathOf(target) {
  try {
    const pathname = decodeURIComponent(new URL(target, 'http://gateway').pathname);
    return pathname.includes('\0') ? undefined : pathname;
  } catch {
    return undefined;
  }
}

/**
 * `/api/order/v1/x` → [the order service's URL, `/v1/x`]; undefined for anything else. Only the
 * API (`/v1/…`) and its document go through: a service's health, readiness, metrics and queue
 * console are for its operators on the service's own port, not for the terminals' origin. The
 * service is looked up among the gateway's own keys only (`constructor` is not a service).
 *
 * @param {Record<string, string>} services
 * @param {string} url
 * @returns {[URL, string] | undefined}
 */
function route(services, url) {
  const match = /^\/api\/([a-z]+)(\/v1\/.*|\/openapi\.json(?:\?.*)?)$/.exec(url);
  if (!match || !Object.hasOwn(services, match[1])) return undefined;
  return [new URL(services[match[1]]), match[2]];
}

/** How long the proxy waits for a service's answer to begin: longer than the longest long-poll (60 s). */
const UPSTREAM_HEAD_TIMEOUT_MS = 65_000;
const OWN_METHODS = new Set(['GET', 'HEAD']);

/**
 * Starts the gateway. `services` maps names to base URLs; `logins` (optional) is what
 * `/demo/logins` answers; `objectStore` (optional) is the S3 endpoint the pages may reach.
 * Resolves to its port and a close function.
 */
export function startGateway({ host = '127.0.0.1', port = 4100, services, logins, objectStore }) {
  const secure = pageHeaders(objectStore);
  const server = http.createServer((req, res) => {
    try {
      secure(req, res, () => serve(req, res));
    } catch (error) {
      // A fault of ours must cost this request, never the gateway (and `npm start` with it).
      process.stderr.write(`gateway: ${error.stack ?? error}\n`);
      if (res.headersSent) res.destroy();
      else problem(res, 500, 'the gateway failed on this request');
    }
  });
  answerClientErrors(server);
  const serve = (req, res) => {
    const url = req.url ?? '/';
    const routed = route(services, url);
    if (routed) {
      const [target, rest] = routed;
      let upstream;
      try {
        upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: rest,
            headers: { ...req.headers, host: target.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
          },
          (answer) => {
            upstream.setTimeout(0);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.setTimeout(UPSTREAM_HEAD_TIMEOUT_MS, () =>
          upstream.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
        );
      } catch (error) {
        // node refuses some targets its own parser let in (ERR_UNESCAPED_CHARACTERS): the client's fault.
        return problem(res, 400, `the request target cannot be passed on: ${error.message}`);
      }
      upstream.on('error', (error) =>
        res.headersSent
          ? res.destroy()
          : problem(
              res,
              /** @type {NodeJS.ErrnoException} */ (error).code === 'ETIMEDOUT' ? 504 : 502,
              `the service did not answer: ${error.message}`,
            ),
      );
      req.pipe(upstream);
      res.on('close', () => upstream.destroy());
      return;
    }
    const pathname = pathOf(url);
    if (pathname === undefined) return problem(res, 400, 'the request target is not a valid URL path');
    if (pathname.startsWith('/api/'))
      return problem(
        res,
        404,
        `no ${pathname}: the gateway passes on /api/<service>/v1/… and /api/<service>/openapi.json`,
      );
    if (!OWN_METHODS.has(req.method)) {
      res.setHeader('allow', 'GET, HEAD');
      return problem(res, 405, `${req.method} is not served here: the pages and documents are read with GET`);
    }
    if (pathname === '/openapi.json') {
      return void mergedDocument(services).then(
        (document) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
          res.end(JSON.stringify(document));
        },
        (error) => problem(res, 502, `the document could not be merged: ${error.message}`),
      );
    }
    if (pathname === '/docs' || pathname.startsWith('/docs/')) {
      return docsHeaders(req, res, () => {
        if (DOCS_FILES[pathname]) return sendFile(res, path.join(SWAGGER_UI, DOCS_FILES[pathname]));
        const [type, body] =
          pathname === '/docs/init.js'
            ? ['text/javascript; charset=utf-8', DOCS_INIT]
            : pathname === '/docs'
              ? ['text/html; charset=utf-8', DOCS_PAGE]
              : [];
        if (!body) return problem(res, 404, `no ${pathname}`);
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
        res.end(body);
      });
    }
    if (pathname === '/demo/logins') {
      if (!logins) return problem(res, 404, 'no demo logins: this gateway was not started by the local start command');
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(logins));
    }
    // Every terminal page is the one shell; its script loads the page the path names.
    const shell = pathname === '/' || PAGES.test(pathname);
    const file = pathname.startsWith('/app/')
      ? within(path.join(TERMINALS, 'dist'), pathname.slice(5))
      : within(path.join(TERMINALS, 'public'), shell ? 'index.html' : pathname);
    if (!file) return problem(res, 404, `no ${pathname}`);
    sendFile(res, file);
  };

  // WebSocket upgrades go through untouched: the request head is replayed upstream, then both ways are piped.
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (error) {
      process.stderr.write(`gateway: ${error.stack ?? error}\n`);
      socket.destroy();
    }
  });
  const upgrade = (req, socket, head) => {
    const routed = route(services, req.url ?? '/');
    if (!routed) return socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    const [target, rest] = routed;
    const upstream = net.connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries({ ...req.headers, host: target.host })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      upstream.write(`${req.method} ${rest} HTTP/1.1\r\n${headers}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () =>
      resolve({
        port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const services = Object.fromEntries(
    /** @type {[string, number][]} */ ([
      ['order', 4101],
      ['notification', 4102],
      ['media', 4103],
      ['audit', 4104],
      ['sharing', 4105],
    ]).map(([name, p]) => [name, env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${p}`]),
  );
  const logins = env.DEMO_LOGINS_FILE ? JSON.parse(fs.readFileSync(env.DEMO_LOGINS_FILE, 'utf8')) : undefined;
  const { port } = await startGateway({
    port: Number(env.GATEWAY_PORT ?? 4100),
    services,
    logins,
    objectStore: env.S3_ENDPOINT,
  });
  process.stdout.write(`${JSON.stringify({ msg: 'gateway listening', port })}\n`);
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

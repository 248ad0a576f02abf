// @ts-check
// A bearer token signed by the local issuer that `npm start` makes its services trust (its key is
// in .local/keys), for trying the API by hand or from a storefront of your own.
//
//   npm run token -- --role storefront --sub shop-web --tenant shop-web [--aud order,notification] [--ttl 3600]
//
// `--role` is one of customer, merchant, rider, handler, member, storefront, service, admin; a rider's
// `--sub` is its delivery terminal id, a merchant's `--tenant` its merchant id. `--aud` names the
// services the token is for (default: all five); `--ttl` is its life in seconds (default one hour).

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOCAL = path.resolve(process.env.ORDERPULSE_LOCAL_DIR || path.join(REPO, '.local'));
const { localTokenIssuer, Roles, ServiceNames, serviceAudience } = createRequire(import.meta.url)(
  path.join(REPO, 'packages', 'service-kit', 'dist', 'index.js'),
);

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    sub: { type: 'string' },
    tenant: { type: 'string' },
    aud: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});
const fail = (message) => {
  process.stderr.write(
    `${message}\nusage: npm run token -- --role <role> --sub <subject> [--tenant <tenant>] [--aud order,notification] [--ttl seconds]\n`,
  );
  process.exit(2);
};
if (!values.role || !Roles.includes(values.role)) fail(`--role must be one of ${Roles.join(', ')}`);
if (!values.sub) fail('--sub names who acts');
const audiences = values.aud ? values.aud.split(',') : ServiceNames;
const unknown = audiences.filter((a) => !ServiceNames.includes(a));
if (unknown.length > 0) fail(`--aud names no service: ${unknown.join(', ')}`);
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1) fail('--ttl is whole seconds');

const { issuer } = localTokenIssuer(path.join(LOCAL, 'keys'));
process.stdout.write(
  `${issuer.sign({ subject: values.sub, role: values.role, ...(values.tenant ? { tenant: values.tenant } : {}) }, { audience: audiences.map(serviceAudience), expiresInSeconds: ttl })}\n`,
);

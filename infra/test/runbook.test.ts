import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadStackEnvFile } from '@orderpulse/testkit';

const repo = join(__dirname, '..', '..');
const runbook = readFileSync(join(repo, 'docs', 'runbook.md'), 'utf8');
const rules = readFileSync(join(repo, 'infra', 'prometheus', 'alerts.yml'), 'utf8');

/** Every command line of the runbook's `sh` blocks, in order. */
function commands(): string[] {
  return [...runbook.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

function stackEnv(): NodeJS.ProcessEnv {
  loadStackEnvFile(repo, process.env);
  const missing = ['KAFKA_BROKERS', 'REDIS_URL', 'ZIPKIN_URL'].filter((k) => !process.env[k]);
  if (missing.length > 0)
    throw new Error(
      `${missing.join(', ')} not set: run with the local stack's endpoints (set -a; . .local/stack.env; set +a)`,
    );
  return process.env;
}

/** The runbook's commands, run against the local stack as an operator would paste them. */
describe('the runbook', () => {
  test('has a section for every alert the rules can raise', () => {
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    expect(alerts.length).toBeGreaterThan(5);
    const sections = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((m) => m[1]));
    expect(alerts.filter((a) => !sections.has(a))).toEqual([]);
  });

  test('every command in its sh blocks succeeds against the local stack', () => {
    const env = stackEnv();
    // The topics it names are the production ones, as `npm start` applies them.
    const apply = spawnSync(
      process.execPath,
      ['packages/kafka/dist/cli.js', 'topics', 'apply', 'infra/kafka/topics.json'],
      { cwd: repo, env, encoding: 'utf8' },
    );
    expect(apply.status).toBe(0);
    const lines = commands();
    expect(lines.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const line of lines) {
      const run = spawnSync('bash', ['-o', 'pipefail', '-c', line], {
        cwd: repo,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (run.status !== 0)
        failures.push(
          `${line}\n  exit ${run.status ?? run.signal}: ${`${run.stderr}${run.stdout}`.trim().split('\n').slice(-5).join('\n  ')}`,
        );
    }
    expect(failures).toEqual([]);
  }, 600_000);
});

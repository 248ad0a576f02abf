import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');

interface LintResult {
  messages: { ruleId: string | null; line: number; message: string }[];
}

/**
 * Lints `source` as a file of the order service's domain, with the repository's own ESLint
 * configuration (type-aware, so the file is written where its tsconfig finds it), and removes it.
 * `off` names rules left out of this run.
 */
function lintAsDomainFile(source: string, off: string[] = []): LintResult['messages'] {
  const file = join(repo, 'services', 'order', 'src', 'domain', `layer-fixture-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const run = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules', 'eslint', 'bin', 'eslint.js'),
        '--format',
        'json',
        ...off.flatMap((rule) => ['--rule', `${rule}: off`]),
        file,
      ],
      { cwd: repo, encoding: 'utf8', timeout: 120_000 },
    );
    const [result] = JSON.parse(run.stdout) as LintResult[];
    return result?.messages ?? [];
  } finally {
    rmSync(file, { force: true });
  }
}

describe('the layer rule of the lint run (docs/architecture.md)', () => {
  test('fails a domain file that loads an adapter, an entry point or an infrastructure client, and lets it take types', () => {
    const messages = lintAsDomainFile(
      [
        "import { OrderRepository } from '../data-access/order.repository';",
        "import { orderRoutes } from '../entry-points/http/order.routes';",
        "import { Kafka } from 'kafkajs';",
        "import { TimerQueue } from '@orderpulse/jobs';",
        "import type { OrderConfig } from '../config';",
        "import type { JobContext } from '@orderpulse/jobs';",
        "import { newEvent } from '@orderpulse/contracts';",
        '',
        'export const loaded = [OrderRepository, orderRoutes, Kafka, TimerQueue, newEvent] as const;',
        'export type Taken = [OrderConfig, JobContext];',
        '',
      ].join('\n'),
      ['import-x/order'],
    );
    const layered = messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports');
    expect(layered.map((m) => m.line)).toEqual([1, 2, 3, 4]);
    expect(layered[0]!.message).toContain('declare a port');
    expect(layered[2]!.message).toContain('no infrastructure client');
    expect(messages.filter((m) => m.ruleId !== '@typescript-eslint/no-restricted-imports')).toEqual([]);
  });
});

describe('the import order of the lint run', () => {
  test('fails imports out of their groups or out of alphabetical order, and passes them in order', () => {
    const misordered = lintAsDomainFile(
      [
        "import type { Order } from './order';",
        "import { z } from 'zod';",
        "import { randomUUID } from 'node:crypto';",
        "import { newEvent } from '@orderpulse/contracts';",
        '',
        'export const used = [z, randomUUID, newEvent] as const;',
        'export type Used = Order;',
        '',
      ].join('\n'),
    );
    expect(misordered.filter((m) => m.ruleId === 'import-x/order').length).toBeGreaterThanOrEqual(3);
    const ordered = lintAsDomainFile(
      [
        "import { randomUUID } from 'node:crypto';",
        '',
        "import { newEvent } from '@orderpulse/contracts';",
        "import { z } from 'zod';",
        '',
        "import type { Order } from './order';",
        '',
        'export const used = [z, randomUUID, newEvent] as const;',
        'export type Used = Order;',
        '',
      ].join('\n'),
    );
    expect(ordered).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const budgets = JSON.parse(readFileSync(join(repo, 'bench', 'budgets.json'), 'utf8')) as {
  perLifecycle: Record<string, number>;
};

interface Work {
  mongoCommands: { total: number; order: { total: number }; notification: { total: number } };
  mongoScans: {
    order: { total: number; top: Record<string, number> };
    notification: { total: number; top: Record<string, number> };
  };
  redisCommands: { total: number };
  kafkaRequests: { produce: number };
  kafkaRecords: { records: number; bytes: number };
  httpCalls: { pushes: number };
}

/** Runs the benchmark's work count (the real order and notification services, on the local stack) and reads its report. */
async function countWork(): Promise<Work> {
  const results = mkdtempSync(join(tmpdir(), 'work-budget-'));
  const child = spawn(process.execPath, [join(repo, 'bench', 'run.mjs'), '--only=work'], {
    cwd: repo,
    env: { ...process.env, BENCH_RESULTS_DIR: results, BENCH_WORK_LIFECYCLES: '20', BENCH_SKIP_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the work count failed (${code}):\n${output.slice(-4_000)}`);
  return (JSON.parse(readFileSync(join(results, 'latest-work.json'), 'utf8')) as { work: Work }).work;
}

describe('the work a lifecycle costs', () => {
  test('no count passes its recorded budget (bench/budgets.json): MongoDB commands and scans, Redis commands, Kafka requests, records and bytes, pushes', async () => {
    const work = await countWork();
    const counted: Record<string, number> = {
      mongoCommands: work.mongoCommands.total,
      mongoCommandsOrder: work.mongoCommands.order.total,
      mongoCommandsNotification: work.mongoCommands.notification.total,
      mongoScansOrder: work.mongoScans.order.total,
      mongoScansNotification: work.mongoScans.notification.total,
      redisCommands: work.redisCommands.total,
      kafkaProduceRequests: work.kafkaRequests.produce,
      kafkaRecords: work.kafkaRecords.records,
      kafkaRecordBytes: work.kafkaRecords.bytes,
      pushes: work.httpCalls.pushes,
    };
    expect(Object.keys(counted).sort()).toEqual(Object.keys(budgets.perLifecycle).sort());
    const over = Object.entries(counted).filter(([name, count]) => !(count <= budgets.perLifecycle[name]!));
    // A scan past its budget names its command, collection and filter fields.
    const scans = JSON.stringify({ order: work.mongoScans.order.top, notification: work.mongoScans.notification.top });
    expect(
      over.map(
        ([name, count]) =>
          `${name}: ${count} > ${budgets.perLifecycle[name]}${name.startsWith('mongoScans') ? ` ${scans}` : ''}`,
      ),
    ).toEqual([]);
    // A lifecycle does all of its work: six events, each on Kafka once, and every push.
    expect(counted.kafkaRecords).toBe(6);
    expect(counted.pushes).toBe(10);
  }, 240_000);
});

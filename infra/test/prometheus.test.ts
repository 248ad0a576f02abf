import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const prometheusDir = join(__dirname, '..', 'prometheus');

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: prometheusDir, encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `promtool could not run (${result.error.message}): it comes with Debian's prometheus package — apt-get install prometheus`,
    );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The alert rules as code, checked and unit-tested by Prometheus' own tool. */
describe('the alert rules', () => {
  test('are valid rules', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  test('fire on the series that should fire them and stay quiet on the others (promtool test rules)', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });
});

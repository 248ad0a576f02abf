import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderMatrix } from './authorization-matrix';

const readme = join(__dirname, '..', '..', 'README.md');
const start = '<!-- authorization-matrix:start (npm run authz:readme -w @orderpulse/infra) -->';
const end = '<!-- authorization-matrix:end -->';

/** The README with its matrix section replaced by the table as the code has it. */
function withCurrentTable(text: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n${renderMatrix()}\n${text.slice(to)}`;
}

describe("the README's authorization matrix", () => {
  test('is the table in infra/test/authorization-matrix.ts (npm run authz:readme -w @orderpulse/infra rewrites it)', () => {
    const text = readFileSync(readme, 'utf8');
    const current = withCurrentTable(text);
    if (process.env.UPDATE_README === '1' && current !== text) writeFileSync(readme, current);
    else expect(text).toBe(current);
  });
});

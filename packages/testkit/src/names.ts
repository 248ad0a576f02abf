import { randomBytes } from 'node:crypto';

/**
 * A name no other test file or run uses: for databases, topics, consumer groups, queues.
 * Kept short and to the characters every one of those accepts.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 30);
  return `t-${clean}-${randomBytes(4).toString('hex')}`;
}

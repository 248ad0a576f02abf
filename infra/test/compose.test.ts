import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';
import type { z } from 'zod';

import { AuditConfig } from '../../services/audit/src/config';
import { MediaConfig } from '../../services/media/src/config';
import { NotificationConfig } from '../../services/notification/src/config';
import { OrderConfig } from '../../services/order/src/config';
import { SharingConfig } from '../../services/sharing/src/config';

interface ComposeService {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const repo = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(repo, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

const schemas: Record<string, z.ZodObject> = {
  order: OrderConfig,
  audit: AuditConfig,
  sharing: SharingConfig,
  media: MediaConfig,
  notification: NotificationConfig,
};

/**
 * What compose would substitute with nothing set: `${VAR:-default}` gives the default (innermost
 * first, as compose resolves a nested default), `${VAR:?message}` a value the operator must give.
 */
function interpolate(value: string): string {
  let text = String(value);
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/\$\{[A-Z0-9_]+:-([^${}]*)\}/g, '$1');
  }
  return text.replace(/\$\{[A-Z0-9_]+:\?[^}]*\}/g, 'an-operator-supplied-secret-of-sufficient-length');
}

describe('the production shape in docker-compose.yml', () => {
  test.each(Object.keys(schemas))(
    "the %s service's environment names exactly the keys its config schema reads, and its values pass it",
    (name) => {
      const service = compose.services[name];
      expect(service).toBeDefined();
      const environment = service!.environment ?? {};
      expect(Object.keys(environment).sort()).toEqual(Object.keys(schemas[name]!.shape).sort());
      const values = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(v)]));
      const parsed = schemas[name]!.safeParse(values);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    },
  );

  test('the infrastructure is the production kind: Kafka in KRaft mode, a MongoDB replica set, Redis with AOF and noeviction, MinIO', () => {
    const { kafka, mongo, redis, minio } = compose.services;
    expect(kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect([mongo?.command].flat().join(' ')).toContain('--replSet');
    const redisCommand = [redis?.command].flat().join(' ');
    expect(redisCommand).toContain('--appendonly yes');
    expect(redisCommand).toContain('--maxmemory-policy noeviction');
    expect(minio?.image).toMatch(/^minio\/minio/);
  });

  test('every service waits for the topics to be applied before it starts', () => {
    for (const name of Object.keys(schemas)) {
      expect(compose.services[name]?.depends_on?.['kafka-topics']?.condition).toBe('service_completed_successfully');
    }
  });
});

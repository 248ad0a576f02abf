import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kafkaConnection, kafkaConnectionFromEnv } from '../src/connection-env';

describe('the Kafka connection comes from the environment, the same for services and tools', () => {
  test('TLS and SCRAM over it reach the client settings', () => {
    const settings = kafkaConnectionFromEnv(
      {
        KAFKA_BROKERS: 'b-1:9096, b-2:9096',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'op',
        KAFKA_SASL_PASSWORD: 'secret',
      },
      'orderpulse-cli',
    );

    expect(settings).toEqual({
      brokers: ['b-1:9096', 'b-2:9096'],
      clientId: 'orderpulse-cli',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'op', password: 'secret' },
    });
  });

  test("a private CA's PEM bundle is read from its file", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

    const settings = kafkaConnection(
      { KAFKA_BROKERS: ['b-1:9094'], KAFKA_SSL: true, KAFKA_SSL_CA_FILE: file },
      'orderpulse-order',
    );

    expect(settings.sslCa).toContain('BEGIN CERTIFICATE');
  });

  test('SASL without TLS, a mechanism without credentials and an unknown mechanism are each named', () => {
    expect(() =>
      kafkaConnection(
        {
          KAFKA_BROKERS: ['b:9092'],
          KAFKA_SASL_MECHANISM: 'plain',
          KAFKA_SASL_USERNAME: 'u',
          KAFKA_SASL_PASSWORD: 'p',
        },
        'x',
      ),
    ).toThrow(/in the clear/);
    expect(() =>
      kafkaConnection({ KAFKA_BROKERS: ['b:9092'], KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'plain' }, 'x'),
    ).toThrow(/needs KAFKA_SASL_USERNAME/);
    expect(() =>
      kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9092', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'gssapi' }, 'x'),
    ).toThrow(/must be one of/);
    expect(() => kafkaConnectionFromEnv({ KAFKA_BROKERS: 'b:9092', KAFKA_SSL: 'yes' }, 'x')).toThrow(
      /KAFKA_SSL must be true or false/,
    );
    expect(() => kafkaConnectionFromEnv({}, 'x')).toThrow(/KAFKA_BROKERS is not set/);
  });
});

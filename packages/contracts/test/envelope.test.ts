import {
  decodeMessage,
  encodeEnvelope,
  newEvent,
  StorefrontOrderPlaced,
  validateEvent,
  versionOfDataSchema,
} from '@orderpulse/contracts';

const example = () =>
  newEvent(StorefrontOrderPlaced, {
    source: 'storefront/shop-web',
    subject: 'SW-1',
    data: StorefrontOrderPlaced.example,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });

describe('the CloudEvents envelope in Kafka binary mode', () => {
  test('an event survives encoding and decoding, with its attributes in ce_ headers and its subject as key', () => {
    const event = example();
    const wire = encodeEnvelope(event);
    expect(wire.key).toBe('SW-1');
    expect(wire.headers).toMatchObject({
      ce_id: event.id,
      ce_source: 'storefront/shop-web',
      ce_type: 'storefront-order.placed',
      ce_specversion: '1.0',
      ce_subject: 'SW-1',
      ce_dataschema: 'urn:orderpulse:storefront-order.placed:v1',
      'content-type': 'application/json',
      traceparent: event.traceparent,
    });
    const headers = Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k, Buffer.from(v)]));
    const decoded = decodeMessage({ key: Buffer.from(wire.key), value: Buffer.from(wire.value), headers });
    expect(decoded).toEqual({ ok: true, envelope: event });
  });

  test.each([
    ['a missing ce_type', (h: Record<string, string>) => delete h.ce_type, 'missing header ce_type'],
    [
      'another spec version',
      (h: Record<string, string>) => (h.ce_specversion = '0.3'),
      'unsupported ce_specversion 0.3',
    ],
    ['a bad time', (h: Record<string, string>) => (h.ce_time = 'yesterday'), 'ce_time is not a timestamp'],
    [
      'a non-JSON content type',
      (h: Record<string, string>) => (h['content-type'] = 'text/plain'),
      'unsupported content-type',
    ],
  ])('a message with %s is refused with a reason', (_name, spoil, reason) => {
    const wire = encodeEnvelope(example());
    spoil(wire.headers);
    const decoded = decodeMessage(wire);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toContain(reason);
  });

  test('a key that differs from the subject is refused: it would put the aggregate on two partitions', () => {
    const wire = encodeEnvelope(example());
    expect(decodeMessage({ ...wire, key: 'other' })).toEqual({
      ok: false,
      reason: 'message key other differs from ce_subject SW-1',
    });
  });

  test('data that breaks its schema, or comes in an unknown version, is refused with the path at fault', () => {
    const event = example();
    const broken = validateEvent(StorefrontOrderPlaced, {
      ...event,
      data: { ...StorefrontOrderPlaced.example, lines: [] },
    });
    expect(broken).toEqual({ ok: false, reason: expect.stringContaining('lines:') });
    const future = validateEvent(StorefrontOrderPlaced, {
      ...event,
      dataschema: 'urn:orderpulse:storefront-order.placed:v2',
    });
    expect(future).toEqual({ ok: false, reason: expect.stringContaining('schema version 2 is not the supported v1') });
    expect(versionOfDataSchema('https://elsewhere/schema')).toBeUndefined();
  });
});

import { kafkaNames } from '../src/names';

describe('kafkaNames', () => {
  it('names topics and groups under the deployment prefix', () => {
    const names = kafkaNames('staging.', 'order');
    expect(names.topic('orderpulse.order.events')).toBe('staging.orderpulse.order.events');
    expect(names.group('delivery-assignment')).toBe('staging.orderpulse.order.delivery-assignment');
  });

  it('names them bare without a prefix', () => {
    const names = kafkaNames(undefined, 'audit');
    expect(names.topic('orderpulse.audit.events')).toBe('orderpulse.audit.events');
    expect(names.group('failures')).toBe('orderpulse.audit.failures');
  });

  it("owns only its own service's groups, under its own prefix", () => {
    const names = kafkaNames('a.', 'order');
    expect(names.ownsGroup('a.orderpulse.order.storefront-intake')).toBe(true);
    expect(names.ownsGroup('orderpulse.order.storefront-intake')).toBe(false);
    expect(names.ownsGroup('b.orderpulse.order.storefront-intake')).toBe(false);
    expect(names.ownsGroup('a.orderpulse.order-archive.x')).toBe(false);
    expect(names.ownsGroup('a.orderpulse.notification.order-events')).toBe(false);
  });
});

import { member, recipientKey, recipientOf } from '../src/domain/recipients';

describe('recipient keys carry their tenant', () => {
  test('a member is keyed by organisation and id, so the same id in two organisations gives two recipients', () => {
    expect(recipientKey(member('org-x', 'alice'))).toBe('member:org-x:alice');
    expect(recipientKey(member('org-y', 'alice'))).not.toBe(recipientKey(member('org-x', 'alice')));
  });

  test('a member token speaks for the member within its tenant; a member token without one is refused', () => {
    expect(recipientKey(recipientOf({ role: 'member', subject: 'alice', tenant: 'org-x' }))).toBe('member:org-x:alice');
    expect(() => recipientOf({ role: 'member', subject: 'alice' })).toThrow(/tenant/);
  });

  test('a merchant’s clerks all speak for the merchant, the tenant; the other roles are themselves', () => {
    expect(recipientKey(recipientOf({ role: 'merchant', subject: 'clerk-1', tenant: 'm-1' }))).toBe('merchant:m-1');
    expect(recipientKey(recipientOf({ role: 'merchant', subject: 'clerk-2', tenant: 'm-1' }))).toBe('merchant:m-1');
    expect(() => recipientOf({ role: 'merchant', subject: 'clerk-1' })).toThrow(/tenant/);
    expect(recipientKey(recipientOf({ role: 'customer', subject: 'c-1' }))).toBe('customer:c-1');
    expect(recipientKey(recipientOf({ role: 'rider', subject: 't-1' }))).toBe('rider:t-1');
    expect(recipientKey(recipientOf({ role: 'handler', subject: 'h-1' }))).toBe('handler:h-1');
    expect(() => recipientOf({ role: 'storefront', subject: 'shop-1' })).toThrow(/no notifications/);
  });

  test('a separator inside an id cannot make two recipients meet', () => {
    expect(recipientKey(member('org-x:alice', 'bob'))).not.toBe(recipientKey(member('org-x', 'alice:bob')));
    expect(recipientKey(member('org-x:alice', 'bob'))).toBe('member:org-x%3Aalice:bob');
  });
});

import { grantStep, grantTransitions } from '../src/domain/order-media';

describe('the upload grant lifecycle', () => {
  test('issued, held while one confirmation checks it, then used, or released to be confirmed again', () => {
    expect(grantStep(null, 'issued')).toBe('issued');
    expect(grantStep('issued', 'confirming')).toBe('confirming');
    expect(grantStep('confirming', 'confirming')).toBe('confirming'); // a lapsed hold taken again
    expect(grantStep('confirming', 'used')).toBe('used');
    expect(grantStep('confirming', 'issued')).toBe('issued');
    // A confirmation slower than its hold, whose grant the next one released, still attaches its checked photo.
    expect(grantStep('issued', 'used')).toBe('used');
  });

  test('a used grant leads nowhere, and a grant is never held before it is issued', () => {
    expect(() => grantStep('used', 'confirming')).toThrow('an upload grant that is used cannot become confirming');
    expect(() => grantStep('issued', 'confirming')).not.toThrow();
    expect(() => grantStep('used', 'used')).toThrow('an upload grant that is used cannot become used');
    expect(() => grantStep(null, 'confirming')).toThrow('an upload grant that is new cannot become confirming');
    expect(grantTransitions.some((t) => t.from.includes('used'))).toBe(false);
  });
});

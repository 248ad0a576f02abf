import { PushStatus } from '@orderpulse/contracts';

import { finalStatuses, openStatuses, pushStep, pushTransitions } from '../src/domain/delivery';

describe('the push lifecycle', () => {
  test('a push is opened to be sent or ended at once, tried, and answered; the reconciler may abandon it', () => {
    expect(pushStep(null, 'opened', 'pending')).toBe('pending');
    // Opened with its first try recorded: no separate step to try it.
    expect(pushStep(null, 'opened', 'sending')).toBe('sending');
    expect(pushStep(null, 'opened', 'muted')).toBe('muted');
    expect(pushStep('pending', 'tried', 'sending')).toBe('sending');
    expect(pushStep('sending', 'tried', 'sending')).toBe('sending');
    expect(pushStep('sending', 'answered', 'delivered')).toBe('delivered');
    expect(pushStep('sending', 'answered', 'pending')).toBe('pending');
    expect(pushStep('sending', 'abandoned', 'rejected')).toBe('rejected');
  });

  test('a step the table does not allow throws, naming it: an ended push is never tried again, nor opened twice', () => {
    expect(() => pushStep('delivered', 'tried', 'sending')).toThrow(
      'a push that is delivered cannot be tried to sending',
    );
    expect(() => pushStep('pending', 'opened', 'pending')).toThrow('a push that is pending cannot be opened');
    expect(() => pushStep(null, 'opened', 'delivered')).toThrow('a push that is new cannot be opened to delivered');
    expect(() => pushStep('pending', 'answered', 'delivered')).toThrow();
  });

  test('every status is reachable, the open ones lead on, and the final ones lead nowhere', () => {
    const reached = new Set(pushTransitions.flatMap((t) => t.to));
    expect([...reached].sort()).toEqual([...PushStatus.options].sort());
    const left = new Set(pushTransitions.flatMap((t) => t.from));
    for (const status of openStatuses) expect(left.has(status)).toBe(true);
    for (const status of finalStatuses) expect(left.has(status)).toBe(false);
  });
});

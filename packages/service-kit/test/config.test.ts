import { z } from 'zod';

import { ConfigError, fetchableUrl, loadConfig } from '../src/config';

const Partner = z.object({ PARTNER_URL: fetchableUrl });

describe('a partner URL is checked at start', () => {
  test('a port the Fetch standard blocks (4190, ManageSieve) is refused with the reason', () => {
    expect(() => loadConfig(Partner, { PARTNER_URL: 'http://127.0.0.1:4190/reviews' })).toThrow(ConfigError);
    expect(() => loadConfig(Partner, { PARTNER_URL: 'http://127.0.0.1:4190/reviews' })).toThrow(
      /blocked by the Fetch standard/,
    );
  });

  test('the port a scheme implies counts too, and an ordinary port passes', () => {
    expect(loadConfig(Partner, { PARTNER_URL: 'https://partner.example/reviews' }).PARTNER_URL).toBe(
      'https://partner.example/reviews',
    );
    expect(loadConfig(Partner, { PARTNER_URL: 'http://127.0.0.1:4180/reviews' }).PARTNER_URL).toBe(
      'http://127.0.0.1:4180/reviews',
    );
  });

  test('what fetch cannot call at all is refused', () => {
    expect(() => loadConfig(Partner, { PARTNER_URL: 'ftp://127.0.0.1/reviews' })).toThrow(ConfigError);
  });
});

describe('a renamed key', () => {
  const Limits = z.object({ MAX_SHARES: z.coerce.number().int().default(3) });
  const renamed = { MAX_THRESHOLD: 'MAX_SHARES' };

  test('set under its old name, is read under the new one with a deprecation warning naming both', () => {
    const warn = jest.spyOn(process, 'emitWarning'); // calls through: Node still prints it
    try {
      expect(loadConfig(Limits, { MAX_THRESHOLD: '7' }, renamed).MAX_SHARES).toBe(7);
      expect(warn.mock.calls).toEqual([
        [
          'MAX_THRESHOLD is renamed MAX_SHARES; set MAX_SHARES instead',
          { type: 'DeprecationWarning', code: 'ORDERPULSE_RENAMED_ENV' },
        ],
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  test('set under both names to different values, is refused; to the same value, is read', () => {
    expect(() => loadConfig(Limits, { MAX_THRESHOLD: '7', MAX_SHARES: '2' }, renamed)).toThrow(
      /MAX_THRESHOLD: the old name of MAX_SHARES/,
    );
    expect(loadConfig(Limits, { MAX_THRESHOLD: '2', MAX_SHARES: '2' }, renamed).MAX_SHARES).toBe(2);
    expect(loadConfig(Limits, { MAX_SHARES: '4' }, renamed).MAX_SHARES).toBe(4);
  });
});

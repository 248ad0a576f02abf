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

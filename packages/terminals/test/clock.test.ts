import { fractionLeft, remainingMs, ServerClock, stopwatch } from '../src/clock';
import { dictionaries, pickLocale, translate } from '../src/i18n';

describe('the countdown every terminal shows', () => {
  test('a terminal whose clock runs 7 s behind still shows the server’s remaining time', () => {
    const serverTime = '2026-11-21T10:00:00.000Z';
    const localNow = Date.parse(serverTime) - 7_000;
    const clock = ServerClock.from(serverTime, localNow);
    expect(remainingMs('2026-11-21T10:01:00.000Z', clock.now(localNow + 1_000))).toBe(59_000);
  });

  test('the bar and the stopwatch read the same remaining time', () => {
    expect(fractionLeft(45_000, 60_000)).toBe(0.75);
    expect(fractionLeft(-5, 60_000)).toBe(0);
    expect(stopwatch(83_450)).toBe('01:23.4');
    expect(stopwatch(0)).toBe('00:00.0');
    expect(remainingMs('2026-11-21T10:00:00.000Z', Date.parse('2026-11-21T10:00:05.000Z'))).toBe(0);
  });
});

describe('the terminals’ languages', () => {
  test('zh-CN and en have the same messages', () => {
    expect(Object.keys(dictionaries['zh-CN']).sort()).toEqual(Object.keys(dictionaries.en).sort());
  });

  test('?lang= wins, then the saved choice, then the browser; Chinese when nothing says otherwise', () => {
    expect(pickLocale('en', 'zh-CN', ['zh-CN'])).toBe('en');
    expect(pickLocale(null, 'en', ['zh-CN'])).toBe('en');
    expect(pickLocale(null, null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLocale(null, null, ['fr-FR'])).toBe('zh-CN');
    expect(translate('en', 'action.failed', { detail: 'closed' })).toBe('Could not do that: closed');
  });
});

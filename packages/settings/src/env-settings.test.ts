import { describe, expect, it } from 'vitest';
import { ConfigError } from '@chartwatch/errors';
import { envInt, envReader, logLevelSetting, timeZoneSetting } from './env-settings.ts';

const read = envReader({
  N: { schema: envInt(1, 10, 5), expected: 'a whole number from 1 to 10' },
  LOG_LEVEL: logLevelSetting('info'),
  TZ_NAME: timeZoneSetting('UTC'),
});

describe('envReader', () => {
  it('takes unset and blank as the default and trims what is set', () => {
    expect(read({}, 'N')).toBe(5);
    expect(read({ N: '   ' }, 'N')).toBe(5);
    expect(read({ N: ' 7 ' }, 'N')).toBe(7);
    expect(read({ LOG_LEVEL: ' debug' }, 'LOG_LEVEL')).toBe('debug');
    expect(read({ TZ_NAME: 'Europe/Berlin' }, 'TZ_NAME')).toBe('Europe/Berlin');
  });

  it('refuses a bad value, naming the variable, the value and what it expected', () => {
    const cases: [string, string, RegExp][] = [
      ['N', '11', /N: got "11", expected a whole number from 1 to 10/],
      ['N', '2.5', /N: got "2.5"/],
      ['LOG_LEVEL', 'loud', /LOG_LEVEL: got "loud", expected one of fatal, error/],
      ['TZ_NAME', 'Mars/Olympus', /TZ_NAME: got "Mars\/Olympus", expected an IANA time zone/],
    ];
    for (const [name, value, message] of cases) {
      let caught: unknown;
      try {
        read({ [name]: value }, name as 'N');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).setting).toBe(name);
      expect((caught as Error).message).toMatch(message);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isSecretParamName, redactUrl, redactUrlsIn } from './redact-url.js';

describe('redactUrl', () => {
  it('replaces the values of credential parameters, whatever their case or separator', () => {
    expect(redactUrl('/v1/search?api_key=cite_abc&q=cong%C3%A9s')).toBe('/v1/search?api_key=[REDACTED]&q=cong%C3%A9s');
    expect(redactUrl('/x?KEY=1&token=2&access_token=3&Password=4&client-secret=5&apiKey=6&sig=7')).toBe(
      '/x?KEY=[REDACTED]&token=[REDACTED]&access_token=[REDACTED]&Password=[REDACTED]&client-secret=[REDACTED]&apiKey=[REDACTED]&sig=[REDACTED]',
    );
    expect(redactUrl('/x?api%5Fkey=1#frag')).toBe('/x?api%5Fkey=[REDACTED]#frag');
  });

  it('redacts the password of user:password@ and leaves other URLs byte for byte', () => {
    expect(redactUrl('https://bob:hunter2@example.org/a?b=1')).toBe('https://bob:[REDACTED]@example.org/a?b=1');
    for (const u of ['/v1/me', '/v1/search?q=cl%C3%A9&sort=["id","ASC"]&range=[0,9]', 'https://example.org/?keywords=a&monkey=b', '/x?flag&q=']) {
      expect(redactUrl(u)).toBe(u);
    }
  });

  it('names credentials, not words that merely contain "key"', () => {
    for (const n of ['api_key', 'key', 'token', 'access_token', 'refresh-token', 'password', 'passwd', 'secret', 'client_secret', 'x-api-key', 'private_key'])
      expect(isSecretParamName(n), n).toBe(true);
    for (const n of ['q', 'keywords', 'monkey', 'sort', 'range', 'filter']) expect(isSecretParamName(n), n).toBe(false);
  });

  it('redacts URLs nested in audit snapshots', () => {
    expect(redactUrlsIn({ a: ['https://h/?token=x'], b: { c: '/p?secret=y' }, d: 'plain ?token=z', n: 3 })).toEqual({
      a: ['https://h/?token=[REDACTED]'],
      b: { c: '/p?secret=[REDACTED]' },
      d: 'plain ?token=z',
      n: 3,
    });
  });
});

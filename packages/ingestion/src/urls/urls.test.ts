import { describe, expect, it } from 'vitest';
import { hostKey, normalizeUrl } from './normalize.js';
import { hasRepeatedSegments, Scope, siteOf } from './scope.js';

describe('normalizeUrl', () => {
  it('lower-cases scheme and host, drops default ports, fragments and tracking parameters, sorts the query', () => {
    expect(normalizeUrl('HTTPS://WWW.Service-Public.FR:443/particuliers/vosdroits/F1234?utm_source=x&b=2&a=1&fbclid=z#top')).toBe(
      'https://www.service-public.fr/particuliers/vosdroits/F1234?a=1&b=2',
    );
    expect(normalizeUrl('http://example.fr:80/a/')).toBe('http://example.fr/a/');
    // session ids, in the query or in the path, never make a page twice; a bare sid may name a page: kept
    expect(normalizeUrl('https://mairie.example.fr/actu.php?PHPSESSID=9f2c&id=4&JSESSIONID=AB12')).toBe('https://mairie.example.fr/actu.php?id=4');
    expect(normalizeUrl('https://mairie.example.fr/actu;jsessionid=AB12C?id=4')).toBe('https://mairie.example.fr/actu?id=4');
    expect(normalizeUrl('https://mairie.example.fr/actu.php?sid=12')).toBe('https://mairie.example.fr/actu.php?sid=12');
    expect(normalizeUrl('http://example.fr:8080/a')).toBe('http://example.fr:8080/a');
    expect(normalizeUrl('../b?x=1#f', 'https://example.fr/a/c/d')).toBe('https://example.fr/a/b?x=1');
  });
  it('keeps path case and trailing slashes, refuses what is not http(s)', () => {
    expect(normalizeUrl('https://example.fr/Path/')).toBe('https://example.fr/Path/');
    expect(normalizeUrl('mailto:a@b.fr')).toBeNull();
    expect(normalizeUrl('javascript:alert(1)')).toBeNull();
    expect(normalizeUrl('not a url')).toBeNull();
  });
  it('resolves a link against its own page: the same href from two pages gives two URLs, each time', () => {
    for (let round = 0; round < 2; round++) {
      expect(normalizeUrl('../b?z=1&a=2', 'https://example.fr/x/y/page')).toBe('https://example.fr/x/b?a=2&z=1');
      expect(normalizeUrl('../b?z=1&a=2', 'https://autre.example.fr/p/q')).toBe('https://autre.example.fr/b?a=2&z=1');
      expect(normalizeUrl('../b?z=1&a=2')).toBeNull();
    }
  });
  it('keys politeness by host and port', () => {
    expect(hostKey('http://127.0.0.1:8080/x')).toBe('127.0.0.1:8080');
    expect(hostKey('https://Example.fr/x')).toBe('example.fr');
    // the fully qualified name is the same server, and the same site
    expect(hostKey('https://example.fr./x')).toBe('example.fr');
    expect(hostKey('https://example.fr.:8443/x')).toBe('example.fr:8443');
    expect(siteOf('www.Example.fr.')).toBe(siteOf('example.fr'));
  });
});

describe('Scope', () => {
  const scope = new Scope({
    startUrls: ['https://www.example.fr/'],
    include: ['/guides/**', '/'],
    exclude: ['**/*.zip', '/guides/archives/**'],
  });
  it('stays on the site (www. or not) and applies include/exclude globs', () => {
    expect(scope.check('https://example.fr/guides/a')).toBeNull();
    expect(scope.check('https://www.example.fr/guides/b/c')).toBeNull();
    expect(scope.check('https://other.fr/guides/a')).toBe('other_host');
    expect(scope.check('https://example.fr/blog/a')).toBe('not_included');
    expect(scope.check('https://example.fr/guides/archives/2019')).toBe('excluded');
    expect(scope.check('https://example.fr/guides/x.zip')).toBe('excluded');
  });
  it('guards against traps: long URLs, repeated segments, query growth', () => {
    const open = new Scope({ startUrls: ['https://example.fr/'], include: [], exclude: [] });
    expect(open.check(`https://example.fr/${'a'.repeat(2100)}`)).toBe('url_too_long');
    expect(open.check('https://example.fr/a/b/a/b/a/b/a/b')).toBe('repeated_segments');
    expect(open.check(`https://example.fr/s?${Array.from({ length: 13 }, (_, i) => `p${i}=1`).join('&')}`)).toBe('too_many_query_params');
    expect(hasRepeatedSegments('/2024/01/02', 3)).toBe(false);
  });
});

import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseRobots } from '../robots/robots.js';
import { MAX_SITEMAP_URLS, parseSitemap } from './sitemap.js';

describe('parseSitemap', () => {
  it('reads url sets (gzipped or not), indexes and text lists, resolving entities and CDATA', () => {
    const xml = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://ex.fr/a?x=1&amp;y=2</loc><lastmod>2024-05-01</lastmod></url><url><loc><![CDATA[https://ex.fr/b]]></loc></url></urlset>`;
    expect(parseSitemap(zlib.gzipSync(xml), 'https://ex.fr/s.xml.gz')).toEqual({
      kind: 'urlset',
      entries: [{ url: 'https://ex.fr/a?x=1&y=2', lastmod: '2024-05-01' }, { url: 'https://ex.fr/b' }],
      unread: 0,
    });
    const index = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://ex.fr/s1.xml</loc></sitemap></sitemapindex>`;
    expect(parseSitemap(Buffer.from(index), 'https://ex.fr/i.xml').kind).toBe('index');
    expect(parseSitemap(Buffer.from('https://ex.fr/1\nnot a url\nhttps://ex.fr/2\n'), 'https://ex.fr/s.txt').entries).toHaveLength(2);
    expect(() => parseSitemap(Buffer.from('<html></html>'), 'https://ex.fr/x')).toThrow(/neither/);
  });

  it('reads the other entries of a sitemap holding a character reference past U+10FFFF (the site writes it)', () => {
    const xml = `<urlset><url><loc>https://ex.fr/a&#x110000;</loc></url><url><loc>https://ex.fr/b&#99999999999;</loc></url>` +
      `<url><loc>https://ex.fr/c&#xe9;</loc></url></urlset>`;
    expect(parseSitemap(Buffer.from(xml), 'https://ex.fr/s.xml').entries.map((e) => e.url)).toEqual([
      'https://ex.fr/a%EF%BF%BD',
      'https://ex.fr/b%EF%BF%BD',
      'https://ex.fr/c%C3%A9',
    ]);
  });

  it('reads a hostile sitemap of unclosed elements in one pass (the site writes it)', () => {
    // 1,000,000 unclosed <url> (5 MB) after a good entry, then a <url> of 200,000 unclosed <loc>: tried from
    // every opening tag, 40,000 of them took 1.3 s and a 50 MB sitemap would have held the crawler for hours
    const good = '<url><loc>https://ex.fr/ok</loc></url>';
    const started = performance.now();
    for (const xml of [
      `<urlset>${good}${'<url>'.repeat(1_000_000)}</urlset>`,
      `<urlset>${good}<url>${'<loc>'.repeat(200_000)}</url>${'<url><loc>'.repeat(200_000)}</urlset>`,
    ]) {
      expect(parseSitemap(Buffer.from(xml), 'https://ex.fr/s.xml').entries).toEqual([{ url: 'https://ex.fr/ok' }]);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    // an element ends at its first closing tag; namespaced tags and attributes are read
    const xml = `<urlset><x:url a="1"><x:loc>https://ex.fr/1</x:loc></x:url><url><loc>https://ex.fr/2</loc><url><loc>https://ex.fr/3</loc></url></urlset>`;
    expect(parseSitemap(Buffer.from(xml), 'https://ex.fr/s.xml').entries).toEqual([{ url: 'https://ex.fr/1' }, { url: 'https://ex.fr/2' }]);
  });

  it('reads the protocol\'s 50,000 URLs of a sitemap listing 1,000,000 and counts the rest (the site writes it)', () => {
    const xml = `<urlset>${Array.from({ length: 1_000_000 }, (_, i) => `<url><loc>https://ex.fr/p${i}</loc></url>`).join('')}</urlset>`;
    for (const body of [Buffer.from(xml), zlib.gzipSync(xml)]) {
      const parsed = parseSitemap(body, 'https://ex.fr/s.xml');
      expect(parsed.entries).toHaveLength(MAX_SITEMAP_URLS);
      expect(parsed.entries.at(-1)).toEqual({ url: `https://ex.fr/p${MAX_SITEMAP_URLS - 1}` });
      expect(parsed.unread).toBe(1_000_000 - MAX_SITEMAP_URLS);
    }
    const text = Array.from({ length: 60_000 }, (_, i) => `https://ex.fr/t${i}`).join('\r\n');
    expect(parseSitemap(Buffer.from(`  ${text}\nnot a url\n`), 'https://ex.fr/s.txt')).toMatchObject({ kind: 'text', unread: 10_000 });
    expect(parseSitemap(Buffer.from(text), 'https://ex.fr/s.txt').entries[0]).toEqual({ url: 'https://ex.fr/t0' });
  });
});

describe('parseRobots', () => {
  const text = 'User-agent: *\nDisallow: /private\nAllow: /private/open\nCrawl-delay: 2\nSitemap: https://ex.fr/sitemap.xml\n\nUser-agent: CiteBot\nDisallow: /no-cite\nCrawl-delay: 0.5\n';
  it('applies our group when one names us, with its Crawl-delay', () => {
    const r = parseRobots(text, 'CiteBot/0.1 (+https://cite.example)');
    expect(r.isAllowed('https://ex.fr/no-cite/x')).toBe(false);
    expect(r.isAllowed('https://ex.fr/private')).toBe(true); // our group replaces the * group
    expect(r.crawlDelayMs).toBe(500);
    expect(r.sitemaps).toEqual(['https://ex.fr/sitemap.xml']);
  });
  it('falls back to the * group with Allow beating a shorter Disallow', () => {
    const r = parseRobots(text, 'OtherBot/1.0');
    expect(r.isAllowed('https://ex.fr/private/x')).toBe(false);
    expect(r.isAllowed('https://ex.fr/private/open/doc')).toBe(true);
    expect(r.crawlDelayMs).toBe(2000);
  });
});

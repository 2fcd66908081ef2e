import robotsParserModule from 'robots-parser';
import { describe, expect, it } from 'vitest';
import { parseRobotsTxt } from './robots-txt.js';

type Reference = (url: string, text: string) => {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
};
// robots-parser is CommonJS: under NodeNext its typings see a namespace, at run time it is the function
const reference = robotsParserModule as unknown as Reference;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('parseRobotsTxt', () => {
  it('answers as robots-parser does: groups, longest rule, Allow on a tie, * and $, encodings', () => {
    // patterns and paths over a small alphabet, so that wildcards, anchors and escapes meet often
    const r = rng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const atoms = ['a', 'b', 'ab', '/', '*', '%2f', '%2F', 'é', '?x=1', '$'];
    const agents = ['*', 'CiteBot', 'citebot/2.0', 'OtherBot'];
    let compared = 0;
    let disallowed = 0;
    for (let file = 0; file < 150; file++) {
      const lines: string[] = [];
      for (let g = 0; g < 1 + Math.floor(r() * 3); g++) {
        for (let a = 0; a < 1 + Math.floor(r() * 2); a++) lines.push(`User-agent: ${pick(agents)}`);
        for (let k = 0; k < 1 + Math.floor(r() * 6); k++) {
          const pattern = `/${Array.from({ length: Math.floor(r() * 5) }, () => pick(atoms)).join('')}`;
          lines.push(`${pick(['Allow', 'Disallow', 'disallow'])}: ${r() < 0.05 ? '' : pattern}${r() < 0.1 ? ' # note' : ''}`);
        }
        if (r() < 0.3) lines.push(`Crawl-delay: ${pick(['1', '0.5', 'x', '10'])}`);
        if (r() < 0.2) lines.push(`Sitemap: https://ex.fr/s${g}.xml`);
        lines.push('');
      }
      const text = lines.join(pick(['\n', '\r\n']));
      const ours = parseRobotsTxt(text);
      const theirs = reference('https://ex.fr/robots.txt', text);
      for (const agent of ['CiteBot', 'OtherBot', 'Unknown']) {
        expect(ours.crawlDelay(agent), text).toBe(theirs.getCrawlDelay(agent));
        for (let q = 0; q < 20; q++) {
          const path = `/${Array.from({ length: Math.floor(r() * 6) }, () => pick(atoms.filter((x) => x !== '*' && x !== '$'))).join('')}`;
          const url = new URL(`https://ex.fr${path}`);
          const expected = theirs.isAllowed(url.href, agent);
          expect(ours.isAllowed(`${url.pathname}${url.search}`, agent), `${agent} ${url.pathname}${url.search}\n${text}`).toBe(expected);
          compared++;
          if (expected === false) disallowed++;
        }
      }
      expect(ours.sitemaps).toEqual(theirs.getSitemaps());
    }
    // the comparison covered both answers
    expect(compared).toBe(9000);
    expect(disallowed).toBeGreaterThan(1000);
    expect(compared - disallowed).toBeGreaterThan(1000);
  });

  it('unescapes escaped unreserved characters before matching (RFC 9309 §2.2.2), in paths and rules alike', () => {
    const rules = parseRobotsTxt('User-agent: *\nDisallow: /private\nDisallow: /%70ublic/\nDisallow: /a%2Fb\n');
    // servers read /%70rivate as /private: it must not get past the rule
    for (const path of ['/%70rivate/x', '/pr%69vate', '/public/x', '/%70ublic/x', '/a%2fb', '/a%2Fb'])
      expect(rules.isAllowed(path, 'CiteBot'), path).toBe(false);
    // a reserved character escaped is another path: %2F is not /
    for (const path of ['/a/b', '/%2Fprivate', '/publ', '/priv%61t']) expect(rules.isAllowed(path, 'CiteBot'), path).toBe(true);
  });

  it('checks a URL against a hostile robots.txt without holding the crawler (the site writes it)', () => {
    // 512 kB of distinct wildcard rules, each a long way from matching a 2,000-character path: robots-parser
    // took 0.9 to 1.8 s per URL, on the crawler's event loop, for every page of the site
    const files = [
      (i: number) => `Disallow: /*a*a*a*a*a*a*a*a*a*b${i}`,
      (i: number) => `Disallow: /*${'a'.repeat(30)}b${i}`,
      (i: number) => `Allow: /*a*a*a*a*a*a*${i}$`,
    ].map((rule) => {
      const lines = ['User-agent: *', 'Disallow: /private'];
      for (let i = 0, size = 0; size < 512 * 1024; i++) {
        lines.push(rule(i));
        size += lines[lines.length - 1]!.length + 1;
      }
      return lines.join('\n');
    });
    const started = performance.now();
    for (const text of files) {
      const robots = parseRobotsTxt(text);
      for (let k = 0; k < 10; k++) expect(robots.isAllowed(`/${'a'.repeat(1999 - k)}`, 'CiteBot')).toBe(true);
      expect(robots.isAllowed(`/private/${'a'.repeat(1990)}`, 'CiteBot')).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('tries a rule repeated in a group once, and keeps its answer', () => {
    const text = `User-agent: *\n${'Disallow: /*a*a*a*a*a*a*a*a*b\n'.repeat(20_000)}Allow: /*b\n`;
    const robots = parseRobotsTxt(text);
    expect(robots.isAllowed(`/${'a'.repeat(1999)}`, 'CiteBot')).toBe(true);
    expect(robots.isAllowed('/aaaaaaaab', 'CiteBot')).toBe(false); // the longer Disallow beats Allow: /*b
    expect(robots.isAllowed('/b', 'CiteBot')).toBe(true);
  });
});

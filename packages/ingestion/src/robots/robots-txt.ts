/**
 * robots.txt read as robots-parser 3 reads it (RFC 9309 with Google's extensions: the group naming our
 * product token, else `*`; the longest matching rule wins, Allow on a tie; `*` anywhere, `$` at the end),
 * with a matcher whose cost a site cannot blow up.
 *
 * Why not robots-parser itself: it matches a rule by keeping every length of the path a `*` could have
 * consumed, so a rule costs (its length × the path's) and every rule is tried for every URL. A 512 kB file of
 * `Disallow: /*a*a*a*a*a*a*a*a*a*b` lines (the site's to write) took 1.1 s per 2,000-character URL, on the
 * crawler's event loop, for each page of that site. Here a rule is its literal pieces between the `*`s, and
 * the leftmost place of each piece after the previous one decides (any later place would only leave less
 * room to the rest), so a rule costs a few `indexOf` scans of the path.
 */

export interface RobotsTxt {
  /** Whether `path` (path + query of a URL of the host) may be fetched by `productToken`. */
  isAllowed(path: string, productToken: string): boolean;
  /** Crawl-delay of the group that applies to `productToken`, in seconds, when it sets one. */
  crawlDelay(productToken: string): number | undefined;
  sitemaps: string[];
}

interface Rule {
  allow: boolean;
  /** The normalised pattern's length: the longest matching rule wins. */
  length: number;
  /** Literal pieces between `*`s: the first starts the path, the others follow in order. */
  pieces: string[];
  /** The pattern ended with `$`: the last piece ends the path. */
  anchored: boolean;
}

interface Group {
  rules: Rule[];
  /** Rules already in `rules` (kind and pattern): a repeated rule is tried once. */
  seen: Set<string>;
  crawlDelay?: number;
}

export function parseRobotsTxt(text: string): RobotsTxt {
  const groups = new Map<string, Group>();
  const sitemaps: string[] = [];
  let agents: string[] = [];
  // a User-agent line after other lines starts a new group; consecutive ones name the same group
  let afterOtherLines = true;
  const groupOf = (agent: string): Group => {
    let g = groups.get(agent);
    if (!g) groups.set(agent, (g = { rules: [], seen: new Set() }));
    return g;
  };
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!key) continue;
    if (key === 'user-agent') {
      if (afterOtherLines) agents = [];
      if (value) agents.push(formatAgent(value));
    } else if (key === 'allow' || key === 'disallow') {
      const pattern = value && normaliseEncoding(value);
      const id = `${key[0]}${pattern}`;
      for (const agent of agents) {
        const g = groupOf(agent);
        // an empty Disallow still makes the group exist (it then allows everything)
        if (!pattern || g.seen.has(id)) continue;
        g.seen.add(id);
        g.rules.push(compile(pattern, key === 'allow'));
      }
    } else if (key === 'crawl-delay') {
      const delay = Number(value);
      for (const agent of agents) {
        const g = groupOf(agent);
        if (!Number.isNaN(delay)) g.crawlDelay = delay;
      }
    } else if (key === 'sitemap') {
      if (value) sitemaps.push(value);
    }
    afterOtherLines = key !== 'user-agent';
  }
  const groupFor = (token: string) => groups.get(formatAgent(token)) ?? groups.get('*');
  return {
    isAllowed(path, token) {
      const rules = groupFor(token)?.rules ?? [];
      const target = canonicalEscapes(path);
      let best: Rule | undefined;
      for (const rule of rules) {
        if (best && (rule.length < best.length || (rule.length === best.length && (best.allow || !rule.allow)))) continue;
        if (matches(rule, target)) best = rule;
      }
      return !best || best.allow;
    },
    crawlDelay: (token) => groupFor(token)?.crawlDelay,
    sitemaps,
  };
}

/** "CiteBot/0.1" and "citebot" name the same group. */
function formatAgent(agent: string): string {
  const lower = agent.toLowerCase();
  const slash = lower.indexOf('/');
  return (slash >= 0 ? lower.slice(0, slash) : lower).trim();
}

/** Non-ASCII characters percent-encoded, escapes in one form: a rule and a URL written differently compare equal. */
function normaliseEncoding(pattern: string): string {
  try {
    return canonicalEscapes(encodeURI(pattern).replace(/%25/g, '%'));
  } catch {
    return pattern; // a lone surrogate: compared as written
  }
}

/**
 * Escapes in one form (RFC 9309 §2.2.2): an escaped unreserved character (RFC 3986: letters, digits, « - .
 * _ ~ ») is unescaped, since servers read `/%70rivate` as `/private`, which a rule `Disallow: /private`
 * then matches; other escapes are put in upper case.
 */
function canonicalEscapes(s: string): string {
  return s.replace(/%[0-9a-fA-F]{2}/g, (m) => {
    const c = String.fromCharCode(parseInt(m.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

function compile(pattern: string, allow: boolean): Rule {
  const anchored = pattern.endsWith('$');
  return { allow, length: pattern.length, pieces: (anchored ? pattern.slice(0, -1) : pattern).split('*'), anchored };
}

/** Whether the rule matches the start of `path` (all of it when anchored). */
function matches(rule: Pick<Rule, 'pieces' | 'anchored'>, path: string): boolean {
  const { pieces, anchored } = rule;
  const first = pieces[0]!;
  if (!path.startsWith(first)) return false;
  const last = pieces.length - 1;
  if (last === 0) return !anchored || path.length === first.length;
  let at = first.length;
  for (let i = 1; i < last; i++) {
    const found = path.indexOf(pieces[i]!, at);
    if (found < 0) return false;
    at = found + pieces[i]!.length;
  }
  const end = pieces[last]!;
  return anchored ? path.length - end.length >= at && path.endsWith(end) : path.indexOf(end, at) >= 0;
}

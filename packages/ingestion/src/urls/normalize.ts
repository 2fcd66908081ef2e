/**
 * URL normalisation: one spelling per page, so the frontier never holds the same page twice.
 * Scheme and host lower-cased, default ports and fragments dropped, tracking and session parameters removed,
 * query parameters sorted. Path case and trailing slashes are kept: servers may treat them differently.
 */
import normalizeUrlLib from 'normalize-url';

/** Parameters that only track visitors and never change the page. */
export const TRACKING_PARAMS: readonly RegExp[] = [
  /^utm_\w+$/i,
  /^(fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid)$/i,
  /^(mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|xtor|xtref|at_medium|at_campaign|pk_campaign|pk_kwd|pk_source|pk_medium)$/i,
  // session ids, a fresh one in every link of a visit: each made one more copy of every page, down to the depth
  // limit. A bare `sid` is left: sites use it for a section or a page id as often as for a session.
  /^(phpsessid|jsessionid|aspsessionid\w*|sessionid|session_id|cfid|cftoken|zenid|oscsid)$/i,
];

/** The servlet spelling of a session id, in the path: `/page;jsessionid=ABC?x=1`. */
const PATH_SESSION = /;jsessionid=[^/?#]*/i;

/**
 * Normalised spellings of the URLs seen last (insertion order, oldest dropped first): a site's navigation
 * links come back on every page, and normalising one took ~20 µs (bench:crawl: 5% of the crawler's main
 * thread for ten links a page).
 */
const recent = new Map<string, string | null>();
const RECENT_MAX = 10_000;

/** Normalised absolute http(s) URL, or null when the input is not a crawlable URL. */
export function normalizeUrl(raw: string, base?: string): string | null {
  const key = base === undefined ? raw : `${base}\u0000${raw}`;
  const known = recent.get(key);
  if (known !== undefined) return known;
  const url = normalizeUncached(raw, base);
  if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
  recent.set(key, url);
  return url;
}

function normalizeUncached(raw: string, base?: string): string | null {
  let parsed: URL;
  try {
    parsed = base ? new URL(raw.trim(), base) : new URL(raw.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (!parsed.hostname) return null;
  if (PATH_SESSION.test(parsed.pathname)) parsed.pathname = parsed.pathname.replace(PATH_SESSION, '');
  try {
    return normalizeUrlLib(parsed.href, {
      stripHash: true,
      stripWWW: false,
      removeTrailingSlash: false,
      removeSingleSlash: false,
      removeDirectoryIndex: false,
      removeQueryParameters: [...TRACKING_PARAMS],
      sortQueryParameters: true,
      stripTextFragment: true,
      normalizeProtocol: false,
      forceHttp: false,
      forceHttps: false,
      stripAuthentication: true,
      removeExplicitPort: false,
    });
  } catch {
    return null;
  }
}

/** Host (lower case, no port) of a normalised URL. */
export function hostOf(url: string): string {
  return new URL(url).hostname.toLowerCase();
}

/**
 * Host key used for politeness: host plus non-default port, since each port is its own server. A final dot
 * (the fully qualified name, `example.fr.`) names the same server.
 */
export function hostKey(url: string): string {
  const u = new URL(url);
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  return u.port ? `${host}:${u.port}` : host;
}

/** The URL without its query string: calendar traps multiply queries on one path. */
export function pathKey(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

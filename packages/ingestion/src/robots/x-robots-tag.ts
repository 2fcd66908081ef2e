/**
 * The X-Robots-Tag response header, read as the <meta name="robots"> tag is (Google's spec,
 * developers.google.com/search/docs/crawling-indexing/robots-meta-tag): comma-separated directives, each
 * line optionally starting with the user agent it speaks to (`otherbot: noindex, nofollow`). Directives
 * with no agent, or with our product token's, apply; noindex and nofollow are the ones the crawler obeys
 * (`none` is both).
 */
import { productToken } from './robots.js';

export interface RobotsDirectives {
  noindex: boolean;
  nofollow: boolean;
}

/** Directives that carry a value after a colon: `max-snippet: 20` names no agent. */
const VALUED = new Set(['unavailable_after', 'max-snippet', 'max-image-preview', 'max-video-preview']);

/** `lines`: one entry per header line, as received. */
export function parseXRobotsTag(lines: readonly string[], userAgent: string): RobotsDirectives {
  const ours = productToken(userAgent).toLowerCase();
  const out: RobotsDirectives = { noindex: false, nofollow: false };
  for (const line of lines) {
    // an agent named in a line applies to the directives after it, up to the next agent or the line's end
    let agent: string | null = null;
    for (const raw of line.split(',')) {
      let token = raw.trim().toLowerCase();
      const colon = token.indexOf(':');
      const name = colon > 0 ? token.slice(0, colon).trimEnd() : '';
      if (name && !/\s/.test(name) && !VALUED.has(name)) {
        agent = name;
        token = token.slice(colon + 1).trim();
      }
      if (agent !== null && agent !== ours) continue;
      if (token === 'noindex' || token === 'none') out.noindex = true;
      if (token === 'nofollow' || token === 'none') out.nofollow = true;
    }
  }
  return out;
}

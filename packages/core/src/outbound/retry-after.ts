/**
 * The one reader of `Retry-After` (RFC 9110 §10.2.3), for every outbound client: the crawler's fetcher, the
 * embeddings client and the language model client. The header is delay-seconds or an HTTP date; the wait
 * is returned in ms from `now`, never negative, and capped at a day (a server asking for more is treated
 * as asking for a day: the caller's own cap usually applies well before). Anything else is no advice.
 */
const MAX_RETRY_AFTER_MS = 86_400_000;

export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  // seconds are digits (a fraction tolerated, as some servers send "1.5"); Number('') would read 0
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(Math.round(Number(v) * 1000), MAX_RETRY_AFTER_MS);
  // a date must name a time: Date.parse would read "2" or "-1" as a year
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.min(at - now, MAX_RETRY_AFTER_MS));
}

/** Small display helpers shared by the screens. */

/** Dates are written day first in both languages of the console (fr-FR, en-GB), in the browser's time zone. */
export function dateLocale(locale: string): string {
  return locale === 'en' ? 'en-GB' : 'fr-FR';
}
/** dd/mm/yyyy */
export const DATE_OPTIONS: Intl.DateTimeFormatOptions = { day: '2-digit', month: '2-digit', year: 'numeric' };
/** dd/mm/yyyy hh:mm */
export const DATE_TIME_OPTIONS: Intl.DateTimeFormatOptions = { ...DATE_OPTIONS, hour: '2-digit', minute: '2-digit' };

export function formatDate(value: unknown, locale: string, withTime = true): string {
  if (!value) return '—';
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(dateLocale(locale), withTime ? DATE_TIME_OPTIONS : DATE_OPTIONS);
}

/** The source the engine creates for files dropped in the console ("console uploads"), named in the console's language. */
export const UPLOAD_SOURCE_NAME = 'console uploads';
export function sourceName(name: unknown, t: (k: string, o?: object) => string): string {
  if (name == null || name === '') return '—';
  return name === UPLOAD_SOURCE_NAME ? t('cite.sources.upload_source', { _: String(name) }) : String(name);
}

export function formatDuration(startIso: unknown, endIso: unknown): string {
  if (!startIso) return '—';
  const start = new Date(String(startIso)).getTime();
  const end = endIso ? new Date(String(endIso)).getTime() : Date.now();
  const s = Math.max(0, Math.round((end - start) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "Page 3 · #conges" from a chunk locator. */
export function formatLocator(locator: unknown, t: (k: string, o?: object) => string): string {
  if (!locator || typeof locator !== 'object') return '';
  const l = locator as { page?: number; anchor?: string; paragraph?: number };
  const parts: string[] = [];
  if (l.page != null) parts.push(t('cite.ask.page', { page: l.page }));
  if (l.anchor) parts.push(t('cite.ask.anchor', { anchor: l.anchor }));
  if (l.paragraph != null) parts.push(`§${l.paragraph}`);
  return parts.join(' · ');
}

/** "Durée › Calcul · page 3": where a quote sits, its headings (the title left out) then its page. */
export function quotePlace(
  c: { title?: string; heading_path?: string[]; locator?: unknown },
  t: (k: string, o?: object) => string,
): string {
  const headings = (c.heading_path ?? []).filter((h, i) => !(i === 0 && h === c.title));
  const page = (c.locator as { page?: unknown } | null | undefined)?.page;
  const parts = headings.length ? [headings.join(' › ')] : [];
  if (typeof page === 'number') parts.push(t('cite.ask.page', { page }));
  return parts.join(' · ');
}

/**
 * Where a citation opens: the link the engine built (`#page=N`, `#anchor:~:text=…` to the quote), or, for
 * answers stored before citations had one, the passage's place from its locator.
 */
export function citationHref(c: { url: string; locator?: unknown; link?: string | null }): string {
  return c.link || locatorHref(c.url, c.locator);
}

/** Link to the exact place of a passage: PDF page (#page=N) or HTML anchor. */
export function locatorHref(url: string, locator: unknown): string {
  if (!locator || typeof locator !== 'object') return url;
  const l = locator as { page?: number; anchor?: string };
  const bare = url.split('#')[0];
  if (l.anchor) return `${bare}#${encodeURIComponent(l.anchor.replace(/^#/, ''))}`;
  if (l.page != null) return `${bare}#page=${l.page}`;
  return url;
}

/**
 * `auto` render mode: render when the static page shows almost no text but loads scripts (single-page
 * apps, pages filled by JavaScript). One pass over the page, stopping as soon as it has shown enough
 * text: lazy regular expressions stripping `<script…</script>` and `<…>` were tried from every opening
 * `<`, and 40,000 unclosed `<script` (the site's to write, 280 kB) took 1.8 s, a page at the 50 MB limit
 * hours, on the crawler's event loop.
 */
const HIDDEN = ['script', 'style', 'noscript'] as const;

export function needsRendering(html: string, minTextChars = 200): boolean {
  const lower = html.toLowerCase();
  if (!/<script[\s>]/.test(lower)) return false;
  return visibleText(html, lower, minTextChars) < minTextChars;
}

/**
 * Characters of visible text in the body (runs of white space count as one, tags and character
 * references as a space), counted up to `enough`. A tag left open ends the markup: what follows is text;
 * a script, style or noscript left open hides the rest.
 */
function visibleText(html: string, lower: string, enough: number): number {
  let i = 0;
  let end = html.length;
  const body = lower.indexOf('<body');
  if (body >= 0) {
    const open = lower.indexOf('>', body);
    const close = lower.lastIndexOf('</body>');
    if (open >= 0 && close > open) [i, end] = [open + 1, close];
  }
  let count = 0;
  let space = true; // at the start, as after a space: leading white space is not counted
  const gap = () => {
    if (!space) count++;
    space = true;
  };
  let tags = true;
  while (i < end && count < enough) {
    const c = html[i]!;
    if (c === '<' && tags) {
      const hidden = HIDDEN.find((t) => lower.startsWith(`<${t}`, i));
      if (hidden) {
        const close = lower.indexOf(`</${hidden}>`, i);
        i = close < 0 || close >= end ? end : close + hidden.length + 3;
        gap();
        continue;
      }
      const closeTag = html.indexOf('>', i);
      if (closeTag < 0 || closeTag >= end) {
        tags = false; // no '>' further on: no tag either
        continue;
      }
      i = closeTag + 1;
      gap();
    } else if (c === '&') {
      let j = i + 1;
      while (j < end && /[a-z#0-9]/i.test(html[j]!)) j++;
      if (j > i + 1 && html[j] === ';') {
        i = j + 1;
        gap();
      } else {
        i++;
        count++;
        space = false;
      }
    } else if (/\s/.test(c)) {
      i++;
      gap();
    } else {
      i++;
      count++;
      space = false;
    }
  }
  return count;
}

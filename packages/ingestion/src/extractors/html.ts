/**
 * HTML → normalised document (main content only) + the page's links for the crawler.
 *
 * Parsing uses cheerio on htmlparser2 (several times faster than parse5, which matters when a crawl
 * parses thousands of pages). Main content is found the cheap way first (semantic `<main>`,
 * `role=main`, `<article>`, common content ids), then by a readability-style paragraph-density score
 * when the page has no semantic markup. Blocks are produced by one walk over the raw DOM nodes.
 */
import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import iconv from 'iconv-lite';
import { decodeUtf16, HEADER_CHARSET } from './byte-order-mark.js';
import { decodeUtf8Lenient } from './lenient-utf8.js';
import { CiteError } from '@cite/core/errors.js';
import type { Block, Locator, NormalisedDocument, Section } from '../document.js';

export interface HtmlInput {
  /** Raw bytes (charset found from the header, then <meta>, then sniffed) or a decoded string. */
  body: Buffer | string;
  /** URL the page was fetched from: base for relative links, document URL when no canonical. */
  url: string;
  /** Content-Type header, for its charset. */
  contentType?: string;
}

export interface HtmlLink {
  /** Absolute URL (fragment removed), http(s) only. */
  url: string;
  /** Anchor text, trimmed. */
  text: string;
  /** rel="nofollow" or page-wide <meta name="robots" content="nofollow">. */
  nofollow: boolean;
}

export interface HtmlExtraction {
  document: NormalisedDocument;
  links: HtmlLink[];
  /** <meta name="robots"> directives (noindex: do not index the page; nofollow: do not follow links). */
  robots: { noindex: boolean; nofollow: boolean };
}

export interface HtmlOptions {
  /**
   * Treat the input as a content fragment (JSONL `html` field, DOCX output): no boilerplate
   * removal, everything is content. Default: whole pages are detected by <html>/<body>.
   */
  fragment?: boolean;
  /** Set locator.paragraph to the index of the top-level block (DOCX). */
  paragraphLocators?: boolean;
  /** Format name written on the document. */
  format?: string;
}

// ---------------------------------------------------------------------------------------------
// Charset

const META_CHARSET = /<meta[^>]+charset\s*=\s*(?:["']\s*)?([\w:.-]+)/i;

function normaliseCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const l = label.trim().toLowerCase();
  // Browsers decode "latin-1" pages as windows-1252 (the WHATWG encoding standard): so do we,
  // otherwise curly quotes and the euro sign of real French pages turn into control characters.
  if (['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii', 'cp1252'].includes(l))
    return 'windows-1252';
  if (l === 'utf8') return 'utf-8';
  return iconv.encodingExists(l) ? l : undefined;
}

/**
 * Decodes HTML bytes: BOM, then charset from Content-Type, then <meta charset> / http-equiv in the
 * first 4 KiB, else UTF-8. UTF-8, declared or not, forgives stray Windows-1252 bytes
 * (lenient-utf8.ts): a page declared UTF-8 but saved in Latin-1 keeps its accents.
 */
export function decodeHtml(body: Buffer, contentType?: string): string {
  const utf16 = decodeUtf16(body, contentType);
  if (utf16 !== undefined) return utf16;
  let charset = normaliseCharset(contentType?.match(HEADER_CHARSET)?.[1]);
  if (!charset) charset = normaliseCharset(body.subarray(0, 4096).toString('latin1').match(META_CHARSET)?.[1]);
  // A <meta> saying UTF-16 on bytes we could read as ASCII is a lie (HTML standard): ignore it.
  if (charset?.startsWith('utf-16')) charset = undefined;
  if (charset && charset !== 'utf-8') return iconv.decode(body, charset);
  return decodeUtf8Lenient(body);
}

// ---------------------------------------------------------------------------------------------
// Small DOM helpers (raw domhandler nodes: much faster than cheerio wrappers in the hot walk)

const isElement = (n: AnyNode): n is Element => n.type === 'tag' || n.type === 'script' || n.type === 'style';

function textOf(node: AnyNode): string {
  if (node.type === 'text') return (node as unknown as { data: string }).data;
  if (!isElement(node)) return '';
  if (SKIP_TAGS.has(node.name)) return '';
  if (node.name === 'br') return '\n';
  let out = '';
  for (const c of node.children) out += textOf(c);
  return out;
}

const collapse = (s: string) =>
  s
    .replace(/[ \t\r\f\v\u00a0\u200b]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();

function absoluteUrl(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  const h = href.trim();
  if (!h || h.startsWith('#') || /^(javascript|mailto|tel|data):/i.test(h)) return undefined;
  try {
    const u = new URL(h, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    u.hash = '';
    return u.href;
  } catch {
    return undefined;
  }
}

function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

// ---------------------------------------------------------------------------------------------
// Boilerplate

/** Never content, wherever they are. */
const SKIP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas',
  'video', 'audio', 'map', 'button', 'input', 'select', 'textarea', 'option', 'label', 'dialog', 'head',
  'link', 'meta', 'title',
]);
/** Page furniture: removed inside the main content too. */
const BOILERPLATE_TAGS = new Set(['nav', 'aside', 'footer']);
const BOILERPLATE_ROLES = new Set([
  'navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'dialog', 'alertdialog',
]);
// Matched against id and class tokens; written for the French public-sector stack too
// (DSFR "fr-header", tarteaucitron/axeptio/didomi consent managers, "liens d'évitement").
const BOILERPLATE_CLASS =
  /(^|[-_\s])(cookies?|consent|gdpr|rgpd|tarteaucitron\w*|axeptio\w*|didomi\w*|cmp|skip|skiplinks?|skip-links?|evitement|breadcrumbs?|sidemenu|toc|sommaire|table-of-contents|fil-ariane|ariane|share|sharing|partage|social|socials|newsletter|navbar|nav|menu|mega-menu|sidebar|pagination|pager|footer|header|banner|popup|modal|related|sr-only|visually-hidden|print-only)([-_\s]|$)/i;

// The État's design system (DSFR) used by most French public sites: its furniture components.
const DSFR_FURNITURE =
  /(^|\s)fr-(header|footer|breadcrumb|skiplinks|sidemenu|summary|share|follow|consent-banner|consent-manager|notice|display|modal|translate|search-bar|nav|mega-menu|tags-group|pagination)(\s|$)/;
const SCREEN_READER_ONLY = /(^|\s)(screen-reader-text|element-invisible|sr-only|visually-hidden|fr-sr-only)(\s|$)/;

function isBoilerplate(el: Element, keep: Set<Element>): boolean {
  if (keep.has(el)) return false;
  if (BOILERPLATE_TAGS.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  if (a.role && BOILERPLATE_ROLES.has(a.role.toLowerCase())) return true;
  if (a.style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style)) return true;
  if (a.class && (DSFR_FURNITURE.test(a.class) || SCREEN_READER_ONLY.test(a.class))) return true;
  const marks = `${a.id ?? ''} ${a.class ?? ''}`;
  if (marks.length > 1 && BOILERPLATE_CLASS.test(marks)) return true;
  // The page header (logo, menu, search): kept only when it carries the page's title.
  if (el.name === 'header') return true;
  return false;
}

/** Elements that must survive boilerplate removal: the chosen root, its ancestors, and h1 holders. */
function protectedSet(root: Element, h1s: Element[]): Set<Element> {
  const keep = new Set<Element>();
  for (let p: Element | null = root; p; p = p.parent && isElement(p.parent) ? p.parent : null) keep.add(p);
  for (const h of h1s) {
    const inside: Element[] = [];
    let p: Element | null = h;
    for (; p && p !== root; p = p.parent && isElement(p.parent) ? p.parent : null) inside.push(p);
    if (p === root) for (const e of inside) keep.add(e);
  }
  return keep;
}

// ---------------------------------------------------------------------------------------------
// Main content

const MAIN_IDS = new Set(['main-content', 'maincontent', 'main_content', 'contenu', 'content-main']);
const CONTENT_IDS = new Set(['content', 'main', 'page-content']);
const CONTENT_CLASSES = new Set(['main-content', 'content-main', 'page-content']);

/** Main-content candidates, strongest signal first. */
const CANDIDATE_RULES: ((el: Element) => boolean)[] = [
  (el) => el.name === 'main',
  (el) => el.attribs.role === 'main',
  (el) => !!el.attribs.id && MAIN_IDS.has(el.attribs.id.toLowerCase()),
  (el) => el.name === 'article',
  (el) =>
    (!!el.attribs.id && CONTENT_IDS.has(el.attribs.id.toLowerCase())) ||
    (!!el.attribs.class && el.attribs.class.split(/\s+/).some((c) => CONTENT_CLASSES.has(c.toLowerCase()))),
];

/** Everything extractHtml needs from the DOM, gathered in one walk (css selectors would each walk it again). */
interface PageScan {
  root: AnyNode;
  html?: Element;
  body?: Element;
  title?: string;
  /** Lower-cased meta name / property / http-equiv → content (first one wins). */
  metas: Map<string, string>;
  canonical?: string;
  baseHref?: string;
  anchors: Element[];
  candidates: Element[][];
  h1s: Element[];
  paragraphs: Element[];
  /** <abbr title="expansion">ACRONYM</abbr>, as service-public abbreviations: search expands them. */
  abbreviations: { acronym: string; expansion: string }[];
}

function scanPage(root: AnyNode): PageScan {
  const scan: PageScan = { root, metas: new Map(), anchors: [], candidates: CANDIDATE_RULES.map(() => []), h1s: [], paragraphs: [], abbreviations: [] };
  const visit = (node: AnyNode) => {
    if (!isElement(node)) return;
    const el = node;
    switch (el.name) {
      case 'script':
      case 'style':
      case 'template':
      case 'svg':
        return;
      case 'html':
        scan.html ??= el;
        break;
      case 'body':
        scan.body ??= el;
        break;
      case 'title':
        if (scan.title === undefined) scan.title = el.children.map((c) => (c.type === 'text' ? (c as unknown as { data: string }).data : '')).join('');
        return;
      case 'meta': {
        const key = (el.attribs.name ?? el.attribs.property ?? el.attribs['http-equiv'])?.toLowerCase();
        const content = el.attribs.content?.trim();
        if (key && content && !scan.metas.has(key)) scan.metas.set(key, content);
        return;
      }
      case 'link':
        if (scan.canonical === undefined && /(^|\s)canonical(\s|$)/i.test(el.attribs.rel ?? '') && el.attribs.href) scan.canonical = el.attribs.href;
        return;
      case 'base':
        if (scan.baseHref === undefined && el.attribs.href) scan.baseHref = el.attribs.href;
        return;
      case 'a':
      case 'area':
        if (el.attribs.href !== undefined) scan.anchors.push(el);
        break;
      case 'h1':
        scan.h1s.push(el);
        break;
      case 'abbr':
      case 'acronym': {
        const expansion = el.attribs.title?.trim();
        const acronym = collapse(textOf(el));
        if (expansion && acronym && acronym.length <= 30 && !scan.abbreviations.some((a) => a.acronym === acronym))
          scan.abbreviations.push({ acronym, expansion });
        break;
      }
      case 'p':
      case 'pre':
      case 'td':
      case 'li':
        scan.paragraphs.push(el);
        break;
    }
    for (let i = 0; i < CANDIDATE_RULES.length; i++) if (CANDIDATE_RULES[i](el)) scan.candidates[i].push(el);
    for (const c of el.children) visit(c);
  };
  for (const c of (root as unknown as { children: AnyNode[] }).children) visit(c);
  return scan;
}

/** Readability-style: each paragraph gives its text length to its parent and half to the grandparent. */
function densestElement(scan: PageScan, body: Element): Element {
  const scores = new Map<Element, number>();
  for (const p of scan.paragraphs) {
    const raw = textOf(p);
    const len = collapse(raw).length;
    if (len < 25) continue;
    const score = 1 + Math.min(3, Math.floor(len / 100)) + (raw.match(/[,;]/g)?.length ?? 0);
    const parent = p.parent && isElement(p.parent) ? p.parent : null;
    if (!parent) continue;
    scores.set(parent, (scores.get(parent) ?? 0) + score);
    const grand = parent.parent && isElement(parent.parent) ? parent.parent : null;
    if (grand) scores.set(grand, (scores.get(grand) ?? 0) + score / 2);
  }
  let best: Element = body;
  let bestScore = 0;
  for (const [el, s] of scores) {
    if (s > bestScore) {
      best = el;
      bestScore = s;
    }
  }
  return best;
}

function findMainRoot(scan: PageScan): Element | null {
  const body = scan.body ?? scan.html;
  if (!body) return null;
  const lengths = new Map<Element, number>();
  const textLength = (el: Element) => {
    let n = lengths.get(el);
    if (n === undefined) lengths.set(el, (n = collapse(textOf(el)).length));
    return n;
  };
  const bodyLen = textLength(body);
  for (const found of scan.candidates) {
    if (found.length === 0) continue;
    // Several <article>s (a listing) or a tiny candidate: keep looking.
    const best = found.reduce((a, b) => (textLength(b) > textLength(a) ? b : a));
    const len = textLength(best);
    if (len >= 200 || len >= bodyLen * 0.3) return best;
  }
  return densestElement(scan, body);
}

// ---------------------------------------------------------------------------------------------
// Walk: DOM → sections and blocks

const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'main', 'blockquote', 'pre', 'ul', 'ol', 'dl', 'dt', 'dd', 'table', 'figure',
  'figcaption', 'address', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'form', 'fieldset', 'details',
  'summary', 'header', 'footer', 'nav', 'aside', 'center', 'body', 'html', 'tr', 'td', 'th', 'tbody', 'thead',
  'tfoot', 'caption', 'hgroup',
]);
const HEADING = /^h([1-6])$/;

interface WalkState {
  sections: Section[];
  current: Section;
  /** Heading texts by level (index 0 = h1). */
  stack: (string | undefined)[];
  /** The nearest heading anchor: what blocks' locators carry (see headingAnchor). */
  anchor?: string;
  /** An id on a section-like element, taken by the next heading that has none of its own. */
  sectionAnchor?: string;
  inline: string;
  paragraphIndex: number;
  options: HtmlOptions;
  keep: Set<Element>;
  removeBoilerplate: boolean;
  base: string;
  firstHeading?: string;
}

const SECTIONING = new Set(['section', 'article', 'main']);

/** An id (or a legacy `<a name>`) on the heading or on an element inside it. */
function idWithin(el: Element): string | undefined {
  if (el.attribs.id) return el.attribs.id;
  if (el.name === 'a' && el.attribs.name) return el.attribs.name;
  for (const c of el.children) {
    if (!isElement(c)) continue;
    const id = idWithin(c);
    if (id) return id;
  }
  return undefined;
}

/**
 * The id by which a link reaches the heading that follows: on a section, article or main element, on an
 * element whose first child element is a heading (`<div id="x"><h2>`), or on an empty `<a id|name>`
 * placed before the heading. Ids of other elements (wrappers, widgets, paragraphs) are not heading anchors.
 */
function sectionAnchorOf(el: Element): string | undefined {
  if (el.name === 'a') return textOf(el).trim() ? undefined : el.attribs.id || el.attribs.name || undefined;
  const id = el.attribs.id;
  if (!id || HEADING.test(el.name)) return undefined;
  if (SECTIONING.has(el.name)) return id;
  const first = el.children.find(isElement);
  return first && HEADING.test(first.name) ? id : undefined;
}

function locatorOf(st: WalkState): Locator | undefined {
  const loc: Locator = {};
  if (st.anchor) loc.anchor = st.anchor;
  if (st.options.paragraphLocators) loc.paragraph = st.paragraphIndex;
  return loc.anchor !== undefined || loc.paragraph !== undefined ? loc : undefined;
}

function pushBlock(st: WalkState, text: string, kind: Block['kind']): void {
  const t = kind === 'code' ? text.trimEnd() : text;
  if (!t.trim()) return;
  const block: Block = { text: t, kind };
  const loc = locatorOf(st);
  if (loc) block.locator = loc;
  st.current.blocks.push(block);
}

function flushInline(st: WalkState): void {
  const t = collapse(st.inline);
  st.inline = '';
  if (t) pushBlock(st, t, 'paragraph');
}

function startSection(st: WalkState, level: number, title: string): void {
  flushInline(st);
  st.stack[level - 1] = title;
  for (let i = level; i < st.stack.length; i++) st.stack[i] = undefined;
  const path = st.stack.filter((s): s is string => !!s);
  if (st.current.blocks.length === 0) {
    // The previous heading had no text of its own: replace it rather than keep an empty section.
    st.current.headingPath = path;
  } else {
    st.current = { headingPath: path, blocks: [] };
    st.sections.push(st.current);
  }
}

const cellText = (el: Element) => collapse(textOf(el)).replace(/\n/g, ' ').replace(/\|/g, '\\|');

function tableToMarkdown(table: Element): { markdown: string; rows: number; cols: number } {
  const rows: string[][] = [];
  let headerRow = -1;
  const visit = (n: Element) => {
    for (const c of n.children) {
      if (!isElement(c)) continue;
      if (c.name === 'table') continue; // nested tables are flattened into their cell's text
      if (c.name === 'tr') {
        const cells: string[] = [];
        let allTh = true;
        for (const cell of c.children) {
          if (!isElement(cell) || (cell.name !== 'td' && cell.name !== 'th')) continue;
          if (cell.name !== 'th') allTh = false;
          cells.push(cellText(cell));
          const span = Math.min(Number(cell.attribs.colspan) || 1, 50);
          for (let i = 1; i < span; i++) cells.push('');
        }
        if (cells.length) {
          if (allTh && headerRow === -1 && rows.length === 0) headerRow = 0;
          rows.push(cells);
        }
      } else if (c.name === 'thead' || c.name === 'tbody' || c.name === 'tfoot') visit(c);
    }
  };
  visit(table);
  const cols = Math.max(0, ...rows.map((r) => r.length));
  if (rows.length === 0 || cols === 0) return { markdown: '', rows: 0, cols: 0 };
  const pad = (r: string[]) => [...r, ...Array(cols - r.length).fill('')];
  const line = (r: string[]) => `| ${pad(r).join(' | ')} |`;
  // Markdown tables need a header row: a table without <th> uses its first row.
  const [head, ...rest] = rows;
  const md = [line(head), `|${' --- |'.repeat(cols)}`, ...rest.map(line)].join('\n');
  return { markdown: md, rows: rows.length, cols };
}

function isLayoutTable(table: Element): boolean {
  const visit = (n: Element): boolean => {
    for (const c of n.children) {
      if (!isElement(c)) continue;
      if (c.name === 'table' || HEADING.test(c.name)) return true;
      if (visit(c)) return true;
    }
    return false;
  };
  return visit(table);
}

function walkList(st: WalkState, list: Element, depth: number): void {
  let n = 1;
  for (const li of list.children) {
    if (!isElement(li) || li.name !== 'li') {
      if (isElement(li) && (li.name === 'ul' || li.name === 'ol')) walkList(st, li, depth + 1);
      continue;
    }
    let own = '';
    const nested: Element[] = [];
    const blocksInside: Element[] = [];
    for (const c of li.children) {
      if (isElement(c) && (c.name === 'ul' || c.name === 'ol')) nested.push(c);
      else if (isElement(c) && c.name === 'table') blocksInside.push(c);
      else own += textOf(c);
    }
    const text = collapse(own).replace(/\n/g, ' ');
    const bullet = list.name === 'ol' ? `${n}.` : '-';
    if (text) pushBlock(st, `${'  '.repeat(depth)}${bullet} ${text}`, 'list-item');
    n++;
    st.paragraphIndex++;
    for (const t of blocksInside) walkNode(st, t);
    for (const sub of nested) walkList(st, sub, depth + 1);
  }
}

function walkChildren(st: WalkState, el: Element): void {
  for (const c of el.children) walkNode(st, c);
}

function walkNode(st: WalkState, node: AnyNode): void {
  if (node.type === 'text') {
    st.inline += (node as unknown as { data: string }).data;
    return;
  }
  if (!isElement(node)) return;
  const el = node;
  const name = el.name;
  if (SKIP_TAGS.has(name)) return;
  if (st.removeBoilerplate && isBoilerplate(el, st.keep)) return;
  const sectionId = sectionAnchorOf(el);
  if (sectionId) st.anchor = st.sectionAnchor = sectionId;
  if (name === 'br') {
    st.inline += '\n';
    return;
  }
  if (!BLOCK_TAGS.has(name)) {
    walkChildren(st, el);
    return;
  }
  flushInline(st);
  const h = HEADING.exec(name);
  if (h) {
    const title = collapse(textOf(el)).replace(/\n/g, ' ');
    // a heading without an id of its own (nor a section's) has no anchor: an earlier heading's would
    // open the wrong part of the page
    st.anchor = idWithin(el) ?? st.sectionAnchor;
    st.sectionAnchor = undefined;
    if (title) {
      if (h[1] === '1') st.firstHeading ??= title;
      startSection(st, Number(h[1]), title);
    }
    st.paragraphIndex++;
    return;
  }
  switch (name) {
    case 'ul':
    case 'ol':
      walkList(st, el, 0);
      break;
    case 'table': {
      // Tables holding tables or headings, one-column and one-row tables are page layout (old
      // sites are built that way), not data: read them as text.
      if (isLayoutTable(el)) {
        walkChildren(st, el);
        break;
      }
      const { markdown, rows, cols } = tableToMarkdown(el);
      if (rows > 1 && cols > 1) pushBlock(st, markdown, 'table');
      else walkChildren(st, el);
      break;
    }
    case 'pre':
      pushBlock(st, textOf(el), 'code');
      break;
    case 'dl':
      for (const c of el.children) {
        if (!isElement(c)) continue;
        const t = collapse(textOf(c)).replace(/\n/g, ' ');
        if (!t) continue;
        if (c.name === 'dt') pushBlock(st, `- ${t}`, 'list-item');
        else pushBlock(st, `  ${t}`, 'list-item');
      }
      break;
    case 'hr':
      break;
    default:
      walkChildren(st, el);
  }
  flushInline(st);
  if (name === 'p' || name === 'table' || name === 'pre' || name === 'blockquote')
    st.paragraphIndex++;
}

/** Sections of an element's content (used by the HTML page path, JSONL `html` and DOCX). */
export function htmlToSections(
  root: Element,
  options: HtmlOptions & { keep?: Set<Element>; removeBoilerplate?: boolean; base?: string },
): { sections: Section[]; firstHeading?: string } {
  const first: Section = { headingPath: [], blocks: [] };
  const st: WalkState = {
    sections: [first],
    current: first,
    stack: [],
    inline: '',
    paragraphIndex: 0,
    options,
    keep: options.keep ?? new Set(),
    removeBoilerplate: options.removeBoilerplate ?? false,
    base: options.base ?? '',
  };
  if (root.attribs?.id) st.anchor = st.sectionAnchor = root.attribs.id;
  walkChildren(st, root);
  flushInline(st);
  return { sections: st.sections.filter((s) => s.blocks.length > 0), firstHeading: st.firstHeading };
}

// ---------------------------------------------------------------------------------------------
// Page metadata and links

function metaContent(scan: PageScan, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = scan.metas.get(n);
    if (v) return v;
  }
  return undefined;
}

function isoDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function primaryLang(v: string | undefined): string | undefined {
  const m = v?.trim().match(/^([a-z]{2,3})\b/i);
  return m ? m[1].toLowerCase() : undefined;
}

function baseOf(scan: PageScan, url: string): string {
  return (scan.baseHref && absoluteUrl(scan.baseHref, url)) || url;
}

function robotsOf(scan: PageScan): { noindex: boolean; nofollow: boolean } {
  const v = (scan.metas.get('robots') ?? '').toLowerCase();
  return { noindex: /noindex|none/.test(v), nofollow: /nofollow|none/.test(v) };
}

function linksOf(scan: PageScan, base: string, pageNofollow: boolean): HtmlLink[] {
  const seen = new Set<string>();
  const links: HtmlLink[] = [];
  for (const a of scan.anchors) {
    const url = absoluteUrl(a.attribs.href, base);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    const rel = (a.attribs.rel ?? '').toLowerCase();
    links.push({
      url,
      text: collapse(textOf(a)).replace(/\n/g, ' '),
      nofollow: pageNofollow || /\bnofollow\b/.test(rel),
    });
  }
  return links;
}

/** Real pages nest < 100 deep; past this, parsing and walking turn quadratic or overflow the stack. */
const MAX_NESTING = 2000;
/**
 * Nodes a page may hold: elements, attributes, comments, processing instructions, declarations. Reading
 * costs 0.2–0.5 KB of heap a node: 1,000,000 elements took 500 MB and 4 s, and a 45 MB page of tiny elements
 * (or of `<?a>`) grew the process to 1.8–2 GB over 20-41 s before its reading thread ran out of heap. The
 * whole Code du travail as one 10 MB page holds 84,531 elements.
 */
const MAX_NODES = 1_000_000;
/** Elements whose end tag may be omitted, or that have none: they would inflate a naive depth count. */
const NOT_NESTING = new Set([
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'option', 'optgroup', 'colgroup', 'rt', 'rp',
  'html', 'head', 'body', 'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source',
  'track', 'wbr', 'param', 'keygen',
]);
/** Elements whose content htmlparser2 reads as text up to their end tag: what they hold is no markup. */
const RAW_TEXT_END = new Map(['script', 'style', 'title', 'textarea', 'xmp'].map((name) => [name, new RegExp(`</${name}`, 'gi')]));
/** A tag, a comment, a processing instruction or a declaration: what htmlparser2 makes a node of. */
const MARKUP_START = /<(\/?)([a-zA-Z][\w:-]*|!--|[!?])/g;

/**
 * Cheap pre-parse check (one pass) that refuses hostile nesting and node counts before htmlparser2 sees
 * them. Each construct ends where htmlparser2's tokenizer ends it (a start tag: scanTag; nothing ending it
 * ends the scan): one expression finding a tag and its end, tried from every '<', took 0.9 s for 40,000
 * unclosed `<a ` (120 kB). Comments and the text of script, style, title, textarea and xmp are skipped as
 * the parser skips them, so that markup written inside them is not counted; markup the scan would read
 * otherwise than the parser is how a page got past an earlier version of this count.
 */
function checkShape(html: string): void {
  let depth = 0;
  let nodes = 0;
  const count = (n: number) => {
    if ((nodes += n) > MAX_NODES) throw new CiteError('HTML_TOO_COMPLEX', `HTML page holds more than ${MAX_NODES} elements, attributes and comments`, { status: 422 });
  };
  MARKUP_START.lastIndex = 0;
  for (let m = MARKUP_START.exec(html); m; m = MARKUP_START.exec(html)) {
    const [, closing, name] = m as unknown as [string, string, string];
    if (!closing) count(1);
    if (name === '!--') {
      // the comment's own dashes may close it (`<!-->`), as htmlparser2 reads it
      const end = html.indexOf('-->', m.index + 2);
      if (end < 0) return;
      MARKUP_START.lastIndex = end + 3;
      continue;
    }
    if (name === '!' || name === '?') {
      // a declaration or processing instruction ends at the first '>', quoted or not
      const end = html.indexOf('>', MARKUP_START.lastIndex);
      if (end < 0) return;
      MARKUP_START.lastIndex = end + 1;
      continue;
    }
    if (closing) {
      // an end tag runs to the first '>', quoted or not, as htmlparser2 reads it
      const end = html.indexOf('>', MARKUP_START.lastIndex);
      if (end < 0) return;
      MARKUP_START.lastIndex = end + 1;
      if (!NOT_NESTING.has(name.toLowerCase())) depth = Math.max(0, depth - 1);
      continue;
    }
    const tag = scanTag(html, MARKUP_START.lastIndex);
    if (!tag) return;
    MARKUP_START.lastIndex = tag.end + 1;
    count(tag.attributes);
    const element = name.toLowerCase();
    const rawText = tag.selfClosing ? undefined : RAW_TEXT_END.get(element);
    if (rawText) {
      rawText.lastIndex = tag.end + 1;
      const close = rawText.exec(html);
      if (!close) return;
      MARKUP_START.lastIndex = close.index;
      continue;
    }
    if (tag.selfClosing || NOT_NESTING.has(element)) continue;
    if (++depth > MAX_NESTING) throw new CiteError('DOCUMENT_TOO_DEEP', `document nests elements more than ${MAX_NESTING} deep`, { status: 422 });
  }
}

/** White space as htmlparser2 reads it in a tag (not every control character). */
function isTagSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 12 || c === 13;
}

/**
 * The end ('>') of a start tag whose name begins before `from`, read as htmlparser2's tokenizer reads it
 * (its states, in the same order: a quote opens a value only right after '='), its attributes, and whether
 * it closed with "/>"; null when nothing ends it.
 */
function scanTag(html: string, from: number): { end: number; attributes: number; selfClosing: boolean } | null {
  const NAME = 0, BEFORE_ATTRIBUTE = 1, SELF_CLOSING = 2, ATTRIBUTE = 3, AFTER_ATTRIBUTE = 4, BEFORE_VALUE = 5, UNQUOTED = 6;
  let state = NAME;
  let attributes = 0;
  for (let i = from; i < html.length; i++) {
    const c = html.charCodeAt(i);
    const space = isTagSpace(c);
    // `again`: the character is read again in the next state, as the tokenizer reconsumes it
    let again = false;
    switch (state) {
      case NAME:
        if (space || c === 47 || c === 62) [state, again] = [BEFORE_ATTRIBUTE, true];
        break;
      case BEFORE_ATTRIBUTE:
        if (c === 62) return { end: i, attributes, selfClosing: false };
        if (c === 47) state = SELF_CLOSING;
        else if (!space) [state, attributes] = [ATTRIBUTE, attributes + 1];
        break;
      case SELF_CLOSING:
        if (c === 62) return { end: i, attributes, selfClosing: true };
        if (!space) [state, again] = [BEFORE_ATTRIBUTE, true];
        break;
      case ATTRIBUTE:
        if (space || c === 61 || c === 47 || c === 62) [state, again] = [AFTER_ATTRIBUTE, true];
        break;
      case AFTER_ATTRIBUTE:
        if (c === 61) state = BEFORE_VALUE;
        else if (c === 47 || c === 62) [state, again] = [BEFORE_ATTRIBUTE, true];
        else if (!space) [state, attributes] = [ATTRIBUTE, attributes + 1];
        break;
      case BEFORE_VALUE:
        if (c === 34 || c === 39) {
          const close = html.indexOf(c === 34 ? '"' : "'", i + 1);
          if (close < 0) return null;
          [i, state] = [close, BEFORE_ATTRIBUTE];
        } else if (!space) [state, again] = [UNQUOTED, true];
        break;
      default: // UNQUOTED
        if (space || c === 62) [state, again] = [BEFORE_ATTRIBUTE, true];
    }
    if (again) i--;
  }
  return null;
}

function loadHtml(input: HtmlInput): { $: CheerioAPI; html: string; scan: PageScan } {
  const html = typeof input.body === 'string' ? input.body : decodeHtml(input.body, input.contentType);
  checkShape(html);
  const $ = load(html, { xml: { xmlMode: false, decodeEntities: true } });
  return { $, html, scan: scanPage($.root()[0]) };
}

/** Only the links of a page (cheaper than extractHtml when the content is not needed). */
export function extractLinks(input: HtmlInput): HtmlLink[] {
  try {
    const { scan } = loadHtml(input);
    return linksOf(scan, baseOf(scan, input.url), robotsOf(scan).nofollow);
  } catch (e) {
    throw tooDeep(e);
  }
}

/** Main content, headings, canonical, lang and links of a page. Empty pages return no sections. */
export function extractHtml(input: HtmlInput, options: HtmlOptions = {}): HtmlExtraction {
  try {
    return extractHtmlUnguarded(input, options);
  } catch (e) {
    throw tooDeep(e);
  }
}

/** Hostile pages nest tens of thousands of elements to blow the walkers' stack: a clear error instead. */
export function tooDeep(e: unknown): unknown {
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return new CiteError('DOCUMENT_TOO_DEEP', 'document nests elements too deeply to be read', { status: 422, cause: e });
  return e;
}

function extractHtmlUnguarded(input: HtmlInput, options: HtmlOptions): HtmlExtraction {
  const { $, html, scan } = loadHtml(input);
  const base = baseOf(scan, input.url);
  const robots = robotsOf(scan);
  const links = linksOf(scan, base, robots.nofollow);

  const isPage = options.fragment === undefined ? /<(html|body)[\s>]/i.test(html) : !options.fragment;

  let sections: Section[] = [];
  let firstHeading: string | undefined;
  if (isPage) {
    const root = findMainRoot(scan);
    if (root) {
      const keep = protectedSet(root, scan.h1s);
      ({ sections, firstHeading } = htmlToSections(root, { ...options, keep, removeBoilerplate: true, base }));
    }
  } else {
    const root = scan.body ?? ($.root()[0] as unknown as Element);
    ({ sections, firstHeading } = htmlToSections(root, { ...options, removeBoilerplate: false, base }));
  }

  const canonical = absoluteUrl(scan.canonical, base);
  const htmlTitle = collapse(scan.title ?? '').replace(/\n/g, ' ');
  const ogTitle = metaContent(scan, 'og:title', 'dc.title', 'dcterms.title');
  const title = firstHeading ?? ogTitle ?? (htmlTitle || undefined) ?? stripFragment(input.url);
  // Heading paths start at the document title, whatever heading level the page starts with.
  for (const s of sections) if (s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath];
  const lang =
    primaryLang(scan.html?.attribs.lang) ??
    primaryLang(scan.html?.attribs['xml:lang']) ??
    primaryLang(metaContent(scan, 'content-language')) ??
    primaryLang(metaContent(scan, 'og:locale', 'dc.language', 'language')) ??
    'fr';

  const metadata: Record<string, unknown> = {};
  if (htmlTitle && htmlTitle !== title) metadata.htmlTitle = htmlTitle;
  if (canonical) metadata.canonical = canonical;
  const keywords = metaContent(scan, 'keywords');
  if (keywords) metadata.keywords = keywords.split(',').map((k) => k.trim()).filter(Boolean);
  const author = metaContent(scan, 'author', 'dc.creator');
  if (author) metadata.author = author;
  if (scan.abbreviations.length) metadata.abbreviations = scan.abbreviations;

  const document: NormalisedDocument = {
    url: canonical ?? stripFragment(input.url),
    title,
    lang,
    sections,
    metadata,
    format: options.format ?? 'html',
  };
  const description = metaContent(scan, 'description', 'og:description', 'dc.description');
  if (description) document.description = description;
  const published = isoDate(metaContent(scan, 'article:published_time', 'dc.date', 'dcterms.created', 'date'));
  const modified = isoDate(metaContent(scan, 'article:modified_time', 'og:updated_time', 'dcterms.modified', 'last-modified'));
  if (published) document.publishedAt = published;
  if (modified) document.modifiedAt = modified;
  return { document, links, robots };
}

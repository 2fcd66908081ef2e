/**
 * A small strict XML parser: text → element tree, throwing XML_INVALID on anything not
 * well-formed (mismatched or unclosed tags, bad attributes, unknown entities, several roots).
 * Written for the DILA files: lenient HTML parsers would silently "repair" a truncated fiche, and
 * this one is several times faster than a DOM-building library on 7,591 files. DTD entity
 * declarations are never expanded (no billion-laughs). The tree is bounded (XML_LIMITS): a document
 * holding more nodes than any real one is refused (XML_TOO_COMPLEX), nesting deeper DOCUMENT_TOO_DEEP.
 */
import { CiteError } from '@cite/core/errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export interface XmlLimits {
  /** Most nodes the tree may hold: elements, attributes and text runs (comments and PIs are dropped). */
  maxNodes: number;
  /** Most elements open at once. */
  maxDepth: number;
}

/**
 * What a tree may hold. The tree costs ~160 bytes of heap a node (1,000,000 empty elements: 156 MB and
 * 1.1 s; 100,000 attributes: 17 MB): unbounded, 64 MB of `<a/>` (a 64 KB gzip) grew the process by 2.8 GB.
 * Measured on the 7,591 service-public fiches of the bench's DILA export: at most 5,510 elements, 9,412
 * elements and text runs, 2,519 attributes (F515, 412 KB), nested 18 deep at most (F1344). 1,000,000 nodes,
 * as HTML pages are allowed (html.ts MAX_NODES), also leaves room for LEGI articles (annex tables, under
 * 16 MiB, dila-archive.ts). Depth: the readers of the tree recurse over it and copy heading paths as deep
 * as its sections, so a few levels more than real files is all they are given. The costliest fiche these
 * limits let through (14 MB: 190,000 titled sections 95 deep) took 435 MB of heap and 2.7 s to extract.
 */
export const XML_LIMITS: XmlLimits = { maxNodes: 1_000_000, maxDepth: 100 };

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Line of `at`, counted without copying the text (a split of 50 MB of newlines took 700 MB and 3 s). */
function lineOf(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function invalid(message: string, text: string, at: number): CiteError {
  return new CiteError('XML_INVALID', `invalid XML at line ${lineOf(text, at)}: ${message}`, { status: 422 });
}

/** Counts the nodes the tree takes on, refusing past `limits.maxNodes` before building more. */
class NodeBudget {
  private nodes = 0;
  constructor(readonly limits: XmlLimits) {}
  take(n: number): void {
    if ((this.nodes += n) > this.limits.maxNodes) {
      const message = `XML document holds more than ${this.limits.maxNodes} elements, attributes and text runs`;
      throw new CiteError('XML_TOO_COMPLEX', message, { status: 422 });
    }
  }
}

function decodeEntities(s: string, text: string, at: number): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(/&([^;&\s]{0,12});?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw invalid(`bare "&" (write &amp;)`, text, at);
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff) throw invalid(`bad character reference &${body};`, text, at);
      return String.fromCodePoint(code);
    }
    const v = NAMED[body];
    if (v === undefined) throw invalid(`unknown entity &${body};`, text, at);
    return v;
  });
}

const NAME = /^[A-Za-z_:\u00c0-\uffff][\w.:\-\u00b7\u00c0-\uffff]*$/;
// Sticky: each match must start where the previous one ended, so junk between attributes fails.
const ATTR = /\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

function parseAttrs(src: string, text: string, at: number, budget: NodeBudget): Record<string, string> {
  const attrs: Record<string, string> = {};
  ATTR.lastIndex = 0;
  let end = 0;
  for (let m = ATTR.exec(src); m; m = ATTR.exec(src)) {
    budget.take(1);
    const name = m[1];
    if (!NAME.test(name)) throw invalid(`bad attribute name "${name}"`, text, at);
    if (name in attrs) throw invalid(`duplicate attribute "${name}"`, text, at);
    const value = m[2] ?? m[3] ?? '';
    if (value.includes('<')) throw invalid(`"<" inside attribute "${name}"`, text, at);
    attrs[name] = decodeEntities(value, text, at);
    end = ATTR.lastIndex;
  }
  if (src.slice(end).trim()) throw invalid(`malformed attribute near "${src.slice(end, end + 30).trim()}"`, text, at);
  return attrs;
}

/**
 * Parses a whole XML document; returns its root element. Throws XML_INVALID (not well-formed),
 * XML_TOO_COMPLEX (more nodes than `limits.maxNodes`) or DOCUMENT_TOO_DEEP (nested past `limits.maxDepth`).
 */
export function parseXml(text: string, limits: XmlLimits = XML_LIMITS): XmlElement {
  const budget = new NodeBudget(limits);
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    if (end > i) {
      const raw = text.slice(i, end);
      if (stack.length === 0) {
        if (raw.trim()) throw invalid('text outside the root element', text, i);
      } else {
        if (raw.includes('>') && raw.includes(']]>')) throw invalid('"]]>" in text', text, i);
        budget.take(1);
        stack[stack.length - 1].children.push(decodeEntities(raw, text, i));
      }
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close === -1) throw invalid('unclosed comment', text, i);
      i = close + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const close = text.indexOf(']]>', i + 9);
      if (close === -1) throw invalid('unclosed CDATA section', text, i);
      if (stack.length === 0) throw invalid('CDATA outside the root element', text, i);
      budget.take(1);
      stack[stack.length - 1].children.push(text.slice(i + 9, close));
      i = close + 3;
    } else if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      if (close === -1) throw invalid('unclosed processing instruction', text, i);
      i = close + 2;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (root || stack.length) throw invalid('DOCTYPE after the root element', text, i);
      // No internal subset (entity declarations) accepted: we would not expand them anyway.
      const close = text.indexOf('>', i);
      if (close === -1) throw invalid('unclosed DOCTYPE', text, i);
      if (text.slice(i, close).includes('[')) throw invalid('DOCTYPE internal subsets are not accepted', text, i);
      i = close + 1;
    } else if (text[i + 1] === '/') {
      const close = text.indexOf('>', i);
      if (close === -1) throw invalid('unclosed end tag', text, i);
      const name = text.slice(i + 2, close).trim();
      const open = stack.pop();
      if (!open) throw invalid(`end tag </${name}> without a start tag`, text, i);
      if (open.name !== name) throw invalid(`</${name}> closes <${open.name}>`, text, i);
      i = close + 1;
    } else {
      // Find the end of the start tag, skipping ">" inside quoted attribute values.
      let j = i + 1;
      let quote = '';
      for (; j < n; j++) {
        const c = text[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
        else if (c === '<') throw invalid('"<" inside a tag', text, j);
      }
      if (j >= n) throw invalid('unclosed start tag', text, i);
      const selfClosing = text[j - 1] === '/';
      const inner = text.slice(i + 1, selfClosing ? j - 1 : j);
      const sp = inner.search(/\s/);
      const name = sp === -1 ? inner : inner.slice(0, sp);
      if (!NAME.test(name)) throw invalid(`bad element name "${name.slice(0, 30)}"`, text, i);
      if (stack.length >= limits.maxDepth) {
        const message = `XML document nests elements more than ${limits.maxDepth} deep`;
        throw new CiteError('DOCUMENT_TOO_DEEP', message, { status: 422 });
      }
      budget.take(1);
      const attrs = sp === -1 ? {} : parseAttrs(inner.slice(sp), text, i, budget);
      const el: XmlElement = { name, attrs, children: [] };
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) throw invalid('more than one root element', text, i);
      else root = el;
      if (!selfClosing) stack.push(el);
      i = j + 1;
    }
  }
  if (stack.length) throw invalid(`<${stack[stack.length - 1].name}> is never closed (truncated file?)`, text, n);
  if (!root) throw invalid('no root element', text, n);
  return root;
}

/** Concatenated text of a node. */
export function xmlText(node: XmlNode): string {
  if (typeof node === 'string') return node;
  let out = '';
  for (const c of node.children) out += xmlText(c);
  return out;
}

export const childElements = (el: XmlElement, name?: string): XmlElement[] =>
  el.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));

export const firstChild = (el: XmlElement, name: string): XmlElement | undefined =>
  el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === name);

import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { parseXml, XML_LIMITS, xmlText } from './xml-tree.js';
import { ficheXml } from './testing/service-public-fixture.js';

const codeOf = (xml: string) => {
  try {
    parseXml(xml);
    return 'OK';
  } catch (e) {
    expect(e).toBeInstanceOf(CiteError);
    return (e as CiteError).code;
  }
};

describe('parseXml', () => {
  it('parses elements, attributes, entities, CDATA and comments', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c --><a x="1 &amp; 2" y=\'&#233;\'><b>T&lt;&#xE9;</b><![CDATA[<raw>]]><c/></a>');
    expect(root.name).toBe('a');
    expect(root.attrs).toEqual({ x: '1 & 2', y: 'é' });
    expect(xmlText(root)).toBe('T<é<raw>');
  });

  it('refuses what is not well-formed', () => {
    expect(codeOf('<a><b></a></b>')).toBe('XML_INVALID');
    expect(codeOf('<a><b>')).toBe('XML_INVALID');
    expect(codeOf('<a>x &nbsp; y</a>')).toBe('XML_INVALID');
    expect(codeOf('<a>R&D</a>')).toBe('XML_INVALID');
    expect(codeOf('<a x=1></a>')).toBe('XML_INVALID');
    expect(codeOf('<a></a><b></b>')).toBe('XML_INVALID');
    expect(codeOf('text only')).toBe('XML_INVALID');
    expect(codeOf('')).toBe('XML_INVALID');
    expect(codeOf('<!DOCTYPE a [<!ENTITY e "eeee">]><a>&e;</a>')).toBe('XML_INVALID');
    expect(codeOf('<a x="1" x="2"/>')).toBe('XML_INVALID');
  });

  it('bounds the tree: more nodes than XML_LIMITS allows is XML_TOO_COMPLEX, before the tree is built', () => {
    // 1,000,001 empty elements: 4 MB that grew the heap by 156 MB and took 1.1 s, unbounded (64 MB: 2.8 GB)
    expect(codeOf(`<r>${'<a/>'.repeat(1_000_000)}</r>`)).toBe('XML_TOO_COMPLEX');
    // attributes and text runs count too (one tag holding them all, or text between empty elements)
    const small = { ...XML_LIMITS, maxNodes: 1000 };
    const attrs = `<r ${Array.from({ length: 1000 }, (_, i) => `a${i}=""`).join(' ')}/>`;
    expect(() => parseXml(attrs, small)).toThrow(expect.objectContaining({ code: 'XML_TOO_COMPLEX' }));
    const runs = `<r>${'x<a/>'.repeat(600)}</r>`;
    expect(() => parseXml(runs, small)).toThrow(expect.objectContaining({ code: 'XML_TOO_COMPLEX' }));
    expect(() => parseXml(`<r>${'x<a/>'.repeat(400)}</r>`, small)).not.toThrow();
    // a real-shaped fiche is far below
    expect(codeOf(ficheXml())).toBe('OK');
  });

  it('refuses nesting past XML_LIMITS.maxDepth with DOCUMENT_TOO_DEEP, at once even 100,000 levels deep', () => {
    const nested = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    const start = performance.now();
    expect(codeOf(nested(100_000))).toBe('DOCUMENT_TOO_DEEP');
    expect(codeOf('<a>'.repeat(100_000))).toBe('DOCUMENT_TOO_DEEP');
    expect(performance.now() - start).toBeLessThan(1000);
    expect(codeOf(nested(XML_LIMITS.maxDepth))).toBe('OK');
    expect(codeOf(nested(XML_LIMITS.maxDepth + 1))).toBe('DOCUMENT_TOO_DEEP');
  });

  it('says on which line an error is, counting lines without copying the text', () => {
    expect(() => parseXml('<a>\n<b>\n&nbsp;</b></a>')).toThrow('invalid XML at line 2: unknown entity &nbsp;');
    expect(() => parseXml('<a>\n\n<b x=1/></a>')).toThrow('invalid XML at line 3');
    // 20 M newlines: the split this replaces allocated ~280 MB for them (50 M: 700 MB and 3 s)
    const lines = 20_000_000;
    const before = process.memoryUsage().rss;
    expect(() => parseXml(`<a>${'\n'.repeat(lines)}<b>&nbsp;</b></a>`)).toThrow(`line ${lines + 1}:`);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });
});

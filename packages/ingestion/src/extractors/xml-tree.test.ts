import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { parseXml, xmlText } from './xml-tree.js';

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
});

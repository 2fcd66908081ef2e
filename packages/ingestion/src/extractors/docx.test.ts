import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { extractDocx, type DocxLimits } from './docx.js';
import { DEFAULT_EXTRACT_OPTIONS } from './extract.js';
import { writeDocx } from './testing/docx-writer.js';
import { writeZip } from './testing/zip-writer.js';

const url = 'file:///docs/note.docx';
const limits: DocxLimits = {
  maxXmlBytes: DEFAULT_EXTRACT_OPTIONS.maxDocxXmlBytes,
  zip: DEFAULT_EXTRACT_OPTIONS.archive,
  timeoutMs: DEFAULT_EXTRACT_OPTIONS.timeoutMs,
};
/** The zip guard's ratio left out, so that each test reaches the guard it is about (one-word paragraphs compress ~300:1). */
const anyRatio: DocxLimits = { ...limits, zip: { ...limits.zip, maxRatio: 100_000 } };
const code = (c: string) => (e: unknown) => e instanceof CiteError && e.code === c;
/** A Word file of `n` one-word paragraphs: its XML is ~50 bytes a paragraph and compresses ~500:1. */
const manyParagraphs = (n: number) => writeDocx(Array.from({ length: n }, () => ({ text: 'association' })));

describe('extractDocx', () => {
  it('keeps headings as heading paths and paragraph indexes as locators', async () => {
    const data = writeDocx([
      { text: 'Note de service', heading: 1 },
      { text: 'Cette note précise les règles du télétravail.' },
      { text: 'Bénéficiaires', heading: 2 },
      { text: 'Tous les agents titulaires.' },
      { text: 'Exceptions', heading: 3 },
      { text: 'Les stagiaires en sont exclus.' },
      { text: 'Procédure', heading: 2 },
      { text: 'La demande est faite par écrit.' },
    ]);
    const doc = await extractDocx({ data, url, fallbackTitle: 'note' }, limits);
    expect(doc.format).toBe('docx');
    expect(doc.title).toBe('Note de service');
    const find = (t: string) => {
      const s = doc.sections.find((x) => x.blocks.some((b) => b.text.includes(t)));
      return { path: s?.headingPath, block: s?.blocks.find((b) => b.text.includes(t)) };
    };
    expect(find('règles du télétravail').path).toEqual(['Note de service']);
    expect(find('agents titulaires').path).toEqual(['Note de service', 'Bénéficiaires']);
    expect(find('stagiaires').path).toEqual(['Note de service', 'Bénéficiaires', 'Exceptions']);
    expect(find('par écrit').path).toEqual(['Note de service', 'Procédure']);
    expect(find('règles du télétravail').block?.locator?.paragraph).toBe(1);
    expect(find('agents titulaires').block?.locator?.paragraph).toBe(3);
    expect(find('par écrit').block?.locator?.paragraph).toBe(7);
  });

  it('refuses a zip that is not a Word document with DOCX_CORRUPT', async () => {
    const data = writeZip([{ name: 'hello.txt', data: 'hello' }]);
    await expect(extractDocx({ data, url }, limits)).rejects.toSatisfy(code('DOCX_CORRUPT'));
  });

  it('refuses a DOCX whose XML unpacks past the limit before reading it, whatever its headers say', async () => {
    const bomb = manyParagraphs(40_000); // ~2 MB of XML in ~10 KB
    expect(bomb.length).toBeLessThan(100_000);
    await expect(extractDocx({ data: bomb, url }, { ...anyRatio, maxXmlBytes: 1024 * 1024 })).rejects.toSatisfy(code('DOCX_TOO_LARGE'));
    // and with the archive guards as configured, its ratio says bomb
    await expect(extractDocx({ data: bomb, url }, limits)).rejects.toThrow(/compression ratio/);
    // the same part declared small: refused once it inflates past what it declared
    const xml = `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${'<w:p><w:r><w:t>a</w:t></w:r></w:p>'.repeat(100_000)}</w:body></w:document>`;
    const liar = writeZip([{ name: 'word/document.xml', data: xml, declaredSize: 1000 }]);
    await expect(extractDocx({ data: liar, url }, anyRatio)).rejects.toSatisfy(code('DOCX_TOO_LARGE'));
    // under the limit, the same structure reads
    const doc = await extractDocx({ data: manyParagraphs(2_000), url }, limits);
    expect(doc.sections.flatMap((s) => s.blocks)).toHaveLength(2_000);
  });

  it('refuses a DOCX that needs more than the heap of its thread, and the next one reads (the process lives on)', async () => {
    // ~20 MB of one-word paragraphs: mammoth needs gigabytes for it (a 580 KB file of this kind unpacking to
    // 200 MB took the engine down when mammoth ran on the main thread)
    const heavy = manyParagraphs(400_000);
    await expect(extractDocx({ data: heavy, url }, { ...anyRatio, maxXmlBytes: 64 * 1024 * 1024 })).rejects.toSatisfy(code('DOCX_TOO_COMPLEX'));
    const doc = await extractDocx({ data: writeDocx([{ text: 'Note', heading: 1 }, { text: 'Après la tempête.' }]), url }, limits);
    expect(doc.sections[0]?.blocks[0]?.text).toBe('Après la tempête.');
  }, 60_000);

  it('stops a DOCX past its time budget with EXTRACT_TIMEOUT, and the next one reads', async () => {
    await expect(extractDocx({ data: manyParagraphs(100_000), url }, { ...anyRatio, timeoutMs: 100 })).rejects.toSatisfy(code('EXTRACT_TIMEOUT'));
    const doc = await extractDocx({ data: writeDocx([{ text: 'Avis' }]), url }, limits);
    expect(doc.sections[0]?.blocks[0]?.text).toBe('Avis');
  });

  it('refuses a DOCX declaring XML entities (XXE, billion laughs) or not well-formed with one clean line', async () => {
    const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
    const paragraph = (text: string) => `<w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body>`;
    const doc = (prolog: string, text: string) =>
      writeDocx([], `<?xml version="1.0"?>${prolog}<w:document ${W}>${paragraph(text)}</w:document>`);
    const laughs = '<!DOCTYPE l [<!ENTITY l0 "lol"><!ENTITY l1 "&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;">]>';
    const xxe = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
    const refusal = async (data: Buffer) => {
      const e = await extractDocx({ data, url }, limits).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(CiteError);
      return e as CiteError;
    };
    for (const data of [doc(laughs, '&l1;'), doc(xxe, '&xxe;')]) {
      const e = await refusal(data);
      expect(e.code).toBe('DOCX_CORRUPT');
      expect(e.message).toBe(
        'DOCX cannot be read: its part word/document.xml declares XML entities, which Word never writes',
      );
    }
    // what mammoth's parser refuses: a clean line for users, the parser's text as the cause, for the logs
    const broken = await refusal(writeDocx([], `<?xml version="1.0"?><w:document ${W}><w:body><w:p>`));
    expect(broken.code).toBe('DOCX_CORRUPT');
    expect(broken.message).toBe('DOCX cannot be read: one of its XML parts is not well-formed');
    expect((broken.cause as Error).message).toMatch(/\[xmldom error\]/);
    // a DOCTYPE declaring nothing still reads, as it did
    const plain = await extractDocx({ data: doc('<!DOCTYPE w:document>', 'Avis'), url }, limits);
    expect(plain.sections[0]?.blocks[0]?.text).toBe('Avis');
  });

  it('refuses tables nested past the stack with DOCUMENT_TOO_DEEP (mammoth or the HTML walk overflowing)', async () => {
    const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
    const nested = (n: number) => {
      const cell = '<w:p><w:r><w:t>x</w:t></w:r></w:p>';
      const body = `${'<w:tbl><w:tr><w:tc>'.repeat(n)}${cell}${'</w:tc></w:tr></w:tbl>'.repeat(n)}`;
      return writeDocx([], `<?xml version="1.0"?><w:document ${W}><w:body>${body}</w:body></w:document>`);
    };
    // 1,000 deep: mammoth reads it, the walk of its HTML overflowed (a bare RangeError); 3,000: mammoth overflows
    for (const n of [1_000, 3_000]) {
      await expect(extractDocx({ data: nested(n), url }, anyRatio)).rejects.toSatisfy(code('DOCUMENT_TOO_DEEP'));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { extractDocx } from './docx.js';
import { writeDocx } from './testing/docx-writer.js';
import { writeZip } from './testing/zip-writer.js';

const url = 'file:///docs/note.docx';

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
    const doc = await extractDocx({ data, url, fallbackTitle: 'note' });
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
    await expect(extractDocx({ data, url })).rejects.toSatisfy((e) => e instanceof CiteError && e.code === 'DOCX_CORRUPT');
  });
});

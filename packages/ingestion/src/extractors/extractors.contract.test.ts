/**
 * One contract every extractor keeps, whatever the format: the chunker and the indexer rely on it.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { NormalisedDocument } from '../document.js';
import { extract } from './extract.js';
import { writeDocx } from './testing/docx-writer.js';
import { writePdf } from './testing/pdf-writer.js';
import { ficheXml } from './testing/service-public-fixture.js';

const samples: { name: string; data: Buffer; format: string }[] = [
  { name: 'page.html', format: 'html', data: Buffer.from('<html><body><main><h1>Titre HTML</h1><p>Texte.</p><h3>Sous</h3><p>Plus.</p></main></body></html>') },
  { name: 'guide.pdf', format: 'pdf', data: writePdf({ pages: ['Texte de la premiere page.', 'Texte de la seconde page.'] }) },
  { name: 'note.docx', format: 'docx', data: writeDocx([{ text: 'Titre DOCX', heading: 1 }, { text: 'Texte.' }, { text: 'Partie', heading: 2 }, { text: 'Suite.' }]) },
  { name: 'F1234.xml', format: 'service-public', data: Buffer.from(ficheXml()) },
  { name: 'docs.jsonl', format: 'jsonl', data: Buffer.from(JSON.stringify({ url: 'https://a.gouv.fr/x', title: 'Titre JSONL', html: '<h2>Partie</h2><p>Texte.</p>' }) + '\n') },
  { name: 'docs.jsonl.gz', format: 'jsonl', data: zlib.gzipSync(JSON.stringify({ url: 'https://a.gouv.fr/y', title: 'Titre GZ', markdown: '# Autre\n\nTexte.' }) + '\n') },
  { name: 'readme.md', format: 'markdown', data: Buffer.from('Texte avant.\n\n## Partie\n\nTexte.') },
  { name: 'notes.txt', format: 'text', data: Buffer.from('Du texte brut.\n\nSur deux paragraphes.') },
];

function checkContract(doc: NormalisedDocument): void {
  expect(() => new URL(doc.url)).not.toThrow();
  expect(doc.title.trim()).not.toBe('');
  expect(doc.lang).toMatch(/^[a-z]{2,3}$/);
  expect(doc.sections.length).toBeGreaterThan(0);
  for (const s of doc.sections) {
    // Heading paths start at the document title.
    expect(s.headingPath[0]).toBe(doc.title);
    expect(s.headingPath.every((h) => h.trim() !== '' && !h.includes('\n'))).toBe(true);
    expect(s.blocks.length).toBeGreaterThan(0);
    for (const b of s.blocks) {
      expect(b.text.trim()).not.toBe('');
      expect(['paragraph', 'list-item', 'table', 'heading', 'code', 'note']).toContain(b.kind);
    }
  }
  for (const d of [doc.publishedAt, doc.modifiedAt]) if (d) expect(new Date(d).toISOString()).toBe(d);
  expect(JSON.parse(JSON.stringify(doc.metadata))).toEqual(doc.metadata);
}

describe('extractor contract', () => {
  for (const sample of samples) {
    it(`${sample.format} (${sample.name}) gives a well-formed normalised document`, async () => {
      const outcomes = [];
      for await (const o of extract({ data: sample.data, name: sample.name }, { baseUrl: 'https://docs.example.fr/' })) outcomes.push(o);
      expect(outcomes).toHaveLength(1);
      const [o] = outcomes;
      if (!o.ok) throw new Error(`${o.code}: ${o.message}`);
      expect(o.document.format).toBe(sample.format);
      checkContract(o.document);
    });
  }
});

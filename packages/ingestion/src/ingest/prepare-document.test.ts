import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { NormalisedDocument } from '../document.js';
import { extractHtml } from '../extractors/html.js';
import { CHUNKER_VERSION, MAX_CONTEXT_CHARS } from '../chunker/chunker.js';
import { maskPersonalData } from '../hygiene/personal-data.js';
import { contentHash, INDEXING_DEFAULTS, prepareDocument } from './index-documents.js';

const embedder = new HashEmbedder();
const target = { collectionId: 1 };

function sections(n: number): NormalisedDocument {
  return {
    url: 'https://example.gouv.fr/guide',
    title: 'Guide',
    lang: 'fr',
    metadata: {},
    format: 'html',
    sections: Array.from({ length: n }, (_, i) => ({ headingPath: ['Guide', `Partie ${i}`], blocks: [{ kind: 'paragraph' as const, text: `Texte de la partie ${i}.` }] })),
  };
}

describe('prepareDocument', () => {
  it('refuses a document that makes more chunks than the limit, with its own code', async () => {
    expect((await prepareDocument(sections(10), embedder, target, { ...INDEXING_DEFAULTS, maxChunks: 10 })).chunks).toHaveLength(10);
    await expect(prepareDocument(sections(11), embedder, target, { ...INDEXING_DEFAULTS, maxChunks: 10 })).rejects.toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_MANY_CHUNKS', status: 413, message: expect.stringContaining('more chunks than the limit of 10') }),
    );
  });

  it('refuses by default a page of 100,000 one-line sections (the site writes it), at 20,000 chunks', async () => {
    const html = `<html><body><main><h1>Guide</h1>${'<h2>Titre</h2><p>x</p>'.repeat(100_000)}</main></body></html>`;
    const { document } = extractHtml({ body: Buffer.from(html), url: 'https://example.gouv.fr/hub' });
    await expect(prepareDocument(document, embedder, target, INDEXING_DEFAULTS)).rejects.toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_MANY_CHUNKS' }));
  });

  it('refuses before chunking a document of more paragraphs than ten times the chunk limit', async () => {
    const paragraphs = (n: number): NormalisedDocument => ({
      ...sections(0),
      sections: [{ headingPath: ['Guide'], blocks: Array.from({ length: n }, (_, i) => ({ kind: 'paragraph' as const, text: `m${i % 97} x` })) }],
    });
    // 100 short paragraphs make two chunks: the chunk limit alone would let 101 through
    expect((await prepareDocument(paragraphs(100), embedder, target, { ...INDEXING_DEFAULTS, maxChunks: 10 })).chunks).toHaveLength(2);
    await expect(prepareDocument(paragraphs(101), embedder, target, { ...INDEXING_DEFAULTS, maxChunks: 10 })).rejects.toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_MANY_BLOCKS', status: 413, message: expect.stringContaining('101 paragraphs, more than 100') }),
    );
  });

  it('refuses before chunking one paragraph of more text than the chunk limit could hold', async () => {
    const paragraph = (chars: number): NormalisedDocument => ({
      ...sections(0),
      sections: [{ headingPath: ['Guide'], blocks: [{ kind: 'paragraph' as const, text: 'préavis '.repeat(chars / 8) }] }],
    });
    // 10 chunks of 50 tokens: 2,000 characters at most
    const opts = { ...INDEXING_DEFAULTS, maxChunks: 10, chunkTokens: 50, overlapTokens: 5 };
    expect((await prepareDocument(paragraph(1_600), embedder, target, opts)).chunks.length).toBeLessThanOrEqual(10);
    // the heading kept with each chunk counts too: 2,008 + 5
    await expect(prepareDocument(paragraph(2_008), embedder, target, opts)).rejects.toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_MUCH_TEXT', status: 413, message: expect.stringContaining('2013 characters of text, more than 2000') }),
    );
  });

  it('counts words too: a text of more words than the chunk limit holds is refused before chunking', async () => {
    const code = (words: number): NormalisedDocument => ({
      ...sections(0),
      sections: [{ headingPath: ['Guide'], blocks: [{ kind: 'code' as const, text: 'x '.repeat(words).trim() }] }],
    });
    // 10 chunks of 50 tokens: 500 words at most, in 1,001 characters (under the 2,000 the text may hold)
    const opts = { ...INDEXING_DEFAULTS, maxChunks: 10, chunkTokens: 50, overlapTokens: 5 };
    await expect(prepareDocument(code(501), embedder, target, opts)).rejects.toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_MUCH_TEXT', status: 413, message: expect.stringContaining('501 words, more than 500') }),
    );
    // one word fewer: chunked, and refused for its chunks (each "x" counts more than one token)
    await expect(prepareDocument(code(500), embedder, target, opts)).rejects.toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_MANY_CHUNKS' }));
  });

  it('counts the description and the headings kept with each chunk as text', async () => {
    const opts = { ...INDEXING_DEFAULTS, maxChunks: 10, chunkTokens: 50, overlapTokens: 5 };
    const described = { ...sections(0), description: 'préavis '.repeat(251) };
    await expect(prepareDocument(described, embedder, target, opts)).rejects.toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_MUCH_TEXT' }));
    // 3 sections under a heading of 700 characters: 2,100 characters before any paragraph
    const headed = { ...sections(0), sections: [1, 2, 3].map(() => ({ headingPath: ['h'.repeat(700)], blocks: [{ kind: 'paragraph' as const, text: 'Texte.' }] })) };
    await expect(prepareDocument(headed, embedder, target, opts)).rejects.toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_MUCH_TEXT' }));
  });

  it('cuts a hostile title and headings, and the context each chunk carries', async () => {
    const hostile: NormalisedDocument = {
      ...sections(0),
      title: 'Titre '.repeat(100_000),
      sections: Array.from({ length: 20 }, (_, i) => ({
        headingPath: ['Chapitre '.repeat(50_000), `Partie ${i}`],
        blocks: [{ kind: 'paragraph' as const, text: `Le texte de la partie ${i}.` }],
      })),
    };
    const write = await prepareDocument(hostile, embedder, target, INDEXING_DEFAULTS);
    expect(write.title.length).toBeLessThanOrEqual(1000);
    expect(write.title.endsWith('…')).toBe(true);
    expect(write.chunks).toHaveLength(20);
    for (const chunk of write.chunks) {
      expect(chunk.headingPath[0]!.length).toBeLessThanOrEqual(1000);
      expect(chunk.headingPath[1]).toMatch(/^Partie \d+$/);
      expect(chunk.context.length).toBeLessThanOrEqual(MAX_CONTEXT_CHARS);
      expect(chunk.tokenCount).toBeLessThanOrEqual(INDEXING_DEFAULTS.chunkTokens);
    }
  });

  it('masks a long text in pieces exactly as it masks it whole, cut at line breaks or between two spaces', async () => {
    const line = (i: number) =>
      `Ligne ${i} : appelez le 06 12 34 56 ${String(i % 100).padStart(2, '0')} ou écrivez à agent${i}@mairie.fr, IBAN FR76 3000 6000 0112 3456 7890 189 ${i % 10}`;
    // ~1 MB each: four pieces, and one line of them cut only between two white-space characters
    for (const separator of ['\n', '  ', ' \u00a0', '\t\t']) {
      const text = Array.from({ length: 12_000 }, (_, i) => line(i)).join(separator);
      const doc = { ...sections(0), sections: [{ headingPath: ['Annuaire'], blocks: [{ kind: 'paragraph' as const, text }] }] };
      const masked = await prepareDocument(doc, embedder, { ...target, maskPersonalData: true }, INDEXING_DEFAULTS);
      const reference = { ...doc, sections: [{ headingPath: ['Annuaire'], blocks: [{ kind: 'paragraph' as const, text: maskPersonalData(text) }] }] };
      const expected = await prepareDocument(reference, embedder, target, INDEXING_DEFAULTS);
      expect(masked.chunks.map((c) => c.text)).toEqual(expected.chunks.map((c) => c.text));
      expect(masked.chunks.map((c) => c.text).join('\n')).not.toMatch(/06 12 34|@mairie\.fr|FR76 3000/);
    }
  });

  it('hashes a large document in pieces to the same content hash as its whole JSON', () => {
    // emoji (surrogate pairs) across the 1 Mi-character pieces, sections as cleaning makes them and not
    const emoji = '😀'.repeat(600_000);
    const docs: NormalisedDocument[] = [
      { ...sections(3), description: 'Une description.', publishedAt: '2024-01-01' },
      { ...sections(0), sections: [{ headingPath: ['A', 'B'], blocks: [{ kind: 'paragraph', text: emoji }, { kind: 'table', text: '| a |' }] }] },
      { ...sections(0), sections: [{ blocks: [{ kind: 'paragraph', text: `x${emoji}` }], headingPath: [] }] },
      { ...sections(0), sections: [{ headingPath: [], blocks: [{ kind: 'paragraph', text: `x${emoji}` }] }] },
      // a block's text past a piece is written in pieces of its JSON: quotes, backslashes, line breaks, control
      // characters and lone surrogates escaped as in the whole; other fields in their own order, undefined left out
      {
        ...sections(0),
        sections: [
          {
            headingPath: ['A'],
            blocks: [
              { locator: { page: 2 }, text: `"a\\b\n\u0001\ud800x${'é'.repeat(1_100_000)}\udc00${emoji}"`, kind: 'note' },
              { kind: 'code', text: `${'\t'.repeat(1 << 20)}\ud83d`, locator: undefined },
            ],
          },
        ],
      },
    ];
    for (const doc of docs) {
      const whole = JSON.stringify([CHUNKER_VERSION, 'hash-v2', 350, 40, doc.title, doc.lang, doc.description ?? null, doc.format, doc.publishedAt ?? null, doc.modifiedAt ?? null, doc.metadata, doc.sections]);
      expect(contentHash(doc, 'hash-v2', { chunkTokens: 350, overlapTokens: 40 })).toBe(crypto.createHash('sha256').update(whole).digest('hex'));
    }
  });

  it('drops control characters and cuts runs of white space to 1,000 characters', async () => {
    const text = `Début\u0001\u0002 du texte.${'\v'.repeat(100_000)}Fin${' '.repeat(5_000)}du texte.`;
    const write = await prepareDocument({ ...sections(0), sections: [{ headingPath: [], blocks: [{ kind: 'paragraph', text }] }] }, embedder, target, INDEXING_DEFAULTS);
    const all = write.chunks.map((c) => c.text).join('');
    expect(all).toContain('Début du texte.');
    expect(all).not.toMatch(/[\u0001\u0002]/);
    expect(all.length).toBeLessThan(2_100);
    expect(all).toMatch(/\v{1000}Fin {1000}du texte\.$/);
  });

  it('refuses a malformed document with DOCUMENT_INVALID naming the field, not a TypeError', async () => {
    const good = sections(3);
    const cases: Array<[unknown, string]> = [
      [null, 'it is not an object'],
      [{ ...good, title: 42 }, 'title is not a string'],
      [{ ...good, description: ['x'] }, 'description is not a string'],
      [{ ...good, metadata: 'x' }, 'metadata is not an object'],
      [{ ...good, sections: {} }, 'sections is not an array'],
      [{ ...good, sections: [good.sections[0], { headingPath: ['Guide', null], blocks: [] }] }, 'sections[1].headingPath[1] is not a string'],
      [{ ...good, sections: [{ headingPath: [], blocks: [{ kind: 'paragraph', text: 'a' }, { kind: 'paragraph', text: 7 }] }] }, 'sections[0].blocks[1].text is not a string'],
      [{ ...good, sections: [{ headingPath: [], blocks: [{ kind: 'image', text: 'a' }] }] }, 'sections[0].blocks[0].kind is not one of'],
      [{ ...good, sections: [{ headingPath: [], blocks: [{ kind: 'paragraph', text: 'a', locator: 3 }] }] }, 'sections[0].blocks[0].locator is not an object'],
    ];
    for (const [doc, field] of cases) {
      await expect(prepareDocument(doc as NormalisedDocument, embedder, target, INDEXING_DEFAULTS)).rejects.toThrow(
        expect.objectContaining({ code: 'DOCUMENT_INVALID', status: 422, message: expect.stringContaining(field) }),
      );
    }
    // optional fields left out or null are fine
    const { description: _d, ...bare } = { ...good, description: undefined, publishedAt: null, metadata: undefined };
    expect((await prepareDocument(bare as unknown as NormalisedDocument, embedder, target, INDEXING_DEFAULTS)).chunks).toHaveLength(3);
    const nulls = { ...good, description: null, modifiedAt: null, metadata: null } as unknown as NormalisedDocument;
    const prepared = await prepareDocument(nulls, embedder, target, INDEXING_DEFAULTS);
    expect(prepared.chunks).toHaveLength(3);
    expect(prepared.description).toBeNull();
    expect(prepared.metadata).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { NormalisedDocument } from '../document.js';
import { extractHtml } from '../extractors/html.js';
import { INDEXING_DEFAULTS, prepareDocument } from './index-documents.js';

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
    await expect(prepareDocument(paragraph(2_008), embedder, target, opts)).rejects.toThrow(
      expect.objectContaining({ code: 'DOCUMENT_TOO_MUCH_TEXT', status: 413, message: expect.stringContaining('2008 characters of text, more than 2000') }),
    );
  });
});

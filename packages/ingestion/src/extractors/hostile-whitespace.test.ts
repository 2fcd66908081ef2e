import { describe, expect, it } from 'vitest';
import { approximateTokens } from '@cite/core/embeddings/embedder.js';
import { chunkDocument } from '../chunker/chunker.js';
import type { NormalisedDocument } from '../document.js';
import { decodeHtml, extractHtml } from './html.js';
import { pageParagraphs } from './pdf.js';
import { extractMarkdown, extractText } from './text.js';

// A long run of spaces that is not followed by what an expression waits for (a line break, the end of the
// text, a closing mark) made each place in the run try the whole rest of it: 100,000 spaces took 4 to 10 s,
// a line of 20,000 after a heading mark minutes, on the crawler's event loop. Files and pages write them.
const RUN = ' '.repeat(300_000);
const url = 'https://example.gouv.fr/doc';
const texts = (d: NormalisedDocument) => d.sections.flatMap((s) => s.blocks.map((b) => b.text));

function timed<T>(budgetMs: number, f: () => T): T {
  const started = performance.now();
  const out = f();
  expect(performance.now() - started).toBeLessThan(budgetMs);
  return out;
}

describe('hostile whitespace', () => {
  it('reads text and Markdown in linear time, with the same blocks', () => {
    expect(timed(1_000, () => texts(extractText({ text: `Début${RUN}fin.\nSuite.`, url })))).toEqual(['Début fin. Suite.']);
    const md = [`# Titre${RUN}\u2028`, `#${' '.repeat(20_000)}\u2028x`, `- item${RUN}\u2028`, `##  Section  ##  `, `1. premier${RUN}point`, `key${RUN}`].join('\n');
    const doc = timed(1_000, () => extractMarkdown({ text: md, url }));
    // a line a `.` cannot cross (U+2028) is no heading nor list item, as before: it stays a paragraph line
    expect(doc.sections.map((s) => s.headingPath.slice(1))).toEqual([[], ['Section']]);
    expect(texts(doc)).toEqual([expect.stringMatching(/^# Titre [\s\S]*- item$/), '- premier point', 'key']);
  });

  it('keeps ATX headings and list items as Markdown writes them', () => {
    const doc = extractMarkdown({ text: '# Guide #\n\n## Congés payés ##   \n\n- un\n  suite\n    - deux\n\n### #\n\ntexte', url });
    expect(doc.title).toBe('Guide');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([['Guide', 'Congés payés'], ['Guide', 'Congés payés', '#']]);
    expect(texts(doc)).toEqual(['- un suite', '    - deux', 'texte']);
  });

  it('decodes a charset and trims a code block in linear time', () => {
    expect(timed(1_000, () => decodeHtml(Buffer.from('é', 'latin1'), `text/html; charset=${RUN}!`))).toBe('é');
    expect(decodeHtml(Buffer.from('é', 'latin1'), 'text/html; charset= " iso-8859-1"')).toBe('é');
    const page = `<html><body><main><h1>Code</h1><p>Un exemple de commande ci-dessous.</p><pre>ls${RUN}-l${RUN}</pre></main></body></html>`;
    const blocks = timed(2_000, () => extractHtml({ body: Buffer.from(page), url }).document.sections.flatMap((s) => s.blocks));
    const code = blocks.find((b) => b.kind === 'code')!;
    expect(code.text.startsWith('ls ')).toBe(true);
    expect(code.text.endsWith('-l')).toBe(true);
  });

  it('joins the lines of a PDF paragraph in linear time', () => {
    expect(timed(1_000, () => pageParagraphs(`Début${RUN}de la page,\ncoupé-\nment.${RUN}\n\nSuite.`))).toEqual(['Début de la page, coupément.', 'Suite.']);
  });

  it('finds a table separator row in linear time', () => {
    const doc: NormalisedDocument = {
      url,
      title: 'Tableau',
      lang: 'fr',
      metadata: {},
      format: 'html',
      sections: [{ headingPath: ['Tableau'], blocks: [{ kind: 'table', text: `| a | b |\n${RUN}x\n| --- | --- |\n| 1 | 2 |` }] }],
    };
    const chunks = timed(2_000, () => chunkDocument(doc, { maxTokens: 200, overlapTokens: 0, countTokens: approximateTokens }));
    expect(chunks.map((c) => c.text).join('\n')).toContain('| 1 | 2 |');
  });
});

import { describe, expect, it } from 'vitest';
import type { Block, NormalisedDocument, Section } from '../document.js';
import { approximateTokens } from '@cite/core/embeddings/embedder.js';
import { embeddingText } from '@cite/index/embedding-text.js';
import { chunkContext, chunkDocument, chunkDocumentInSlices, sentenceSpans } from './chunker.js';

// a whitespace word counter plus two "special tokens", like a real tokenizer's [CLS]/[SEP]
const countTokens = (s: string) => (s.match(/\S+/g)?.length ?? 0) + 2;
const words = (s: string) => s.match(/\S+/g)?.length ?? 0;

const doc = (sections: Section[], title = 'Congés payés'): NormalisedDocument => ({
  url: 'https://example.fr/conges',
  title,
  lang: 'fr',
  sections,
  metadata: {},
  format: 'markdown',
});
const p = (text: string, locator?: Block['locator']): Block => ({ kind: 'paragraph', text, locator });
const sentence = (i: number) => `La phrase numéro ${i} parle des droits du salarié en congé.`;
const sectionText = (s: Section) => s.blocks.map((b) => b.text).join('\n\n');

describe('chunkDocument', () => {
  it('never crosses a section boundary and keeps heading paths and context', () => {
    const chunks = chunkDocument(
      doc([
        { headingPath: ['Durée'], blocks: [p('Deux jours et demi par mois.')] },
        { headingPath: ['Durée', 'Fractionnement'], blocks: [p('Le congé peut être fractionné.')] },
      ]),
      { maxTokens: 350, overlapTokens: 20, countTokens },
    );
    expect(chunks.map((c) => c.text)).toEqual(['Deux jours et demi par mois.', 'Le congé peut être fractionné.']);
    expect(chunks.map((c) => c.headingPath)).toEqual([['Durée'], ['Durée', 'Fractionnement']]);
    expect(chunks[1]!.context).toBe('Congés payés > Durée > Fractionnement');
    expect(embeddingText(chunks[1]!)).toBe('Congés payés > Durée > Fractionnement\nLe congé peut être fractionné.');
    expect(chunks.map((c) => c.ord)).toEqual([0, 1]);
  });

  it('stays within the token budget, context included, and loses no sentence', () => {
    const text = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ');
    const section = { headingPath: ['Règles'], blocks: [p(text, { page: 3 })] };
    const chunks = chunkDocument(doc([section]), { maxTokens: 60, overlapTokens: 0, countTokens });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.tokenCount).toBeLessThanOrEqual(60);
      expect(c.tokenCount).toBe(countTokens(embeddingText(c)));
    }
    for (let i = 0; i < 60; i++) expect(chunks.filter((c) => c.text.includes(sentence(i)))).toHaveLength(1);
  });

  it('gives each chunk its character span in the section text and the block locator', () => {
    const section: Section = {
      headingPath: [],
      blocks: [p(Array.from({ length: 20 }, (_, i) => sentence(i)).join(' '), { page: 2 }), p('Fin du texte.', { page: 3 })],
    };
    const chunks = chunkDocument(doc([section]), { maxTokens: 40, overlapTokens: 0, countTokens });
    const full = sectionText(section);
    for (const c of chunks) expect(full.slice(c.locator.start, c.locator.end)).toBe(c.text);
    expect(chunks[0]!.locator.page).toBe(2);
    expect(chunks.at(-1)!.text.endsWith('Fin du texte.')).toBe(true);
  });

  it('records the pages a chunk spans and where each later page begins in its text', () => {
    const section: Section = {
      headingPath: [],
      blocks: [
        p('Le permis de construire est exigé pour les constructions nouvelles.', { page: 1 }),
        p('La déclaration préalable suffit pour les petits travaux.', { page: 2 }),
        p('Suite de la page deux sur les délais.', { page: 2 }),
        p('Le permis de démolir est exigé dans les secteurs protégés.', { page: 3 }),
      ],
    };
    const [chunk, ...rest] = chunkDocument(doc([section]), { maxTokens: 200, overlapTokens: 0, countTokens });
    expect(rest).toHaveLength(0);
    expect(chunk!.locator).toMatchObject({ page: 1, page_start: 1, page_end: 3 });
    const breaks = chunk!.locator.page_breaks!;
    expect(breaks.map((b) => b.page)).toEqual([2, 3]);
    expect(chunk!.text.slice(breaks[0]!.offset).startsWith('La déclaration préalable')).toBe(true);
    expect(chunk!.text.slice(breaks[1]!.offset).startsWith('Le permis de démolir')).toBe(true);
    // a chunk within one page has no breaks; blocks without pages give no page fields
    const small = chunkDocument(doc([section]), { maxTokens: 16, overlapTokens: 0, countTokens });
    const onPage3 = small.find((c) => c.text.includes('démolir'))!;
    expect(onPage3.locator).toMatchObject({ page: 3, page_start: 3, page_end: 3 });
    expect(onPage3.locator.page_breaks).toBeUndefined();
    const plain = chunkDocument(doc([{ headingPath: [], blocks: [p('Sans page.')] }]), { maxTokens: 50, overlapTokens: 0, countTokens });
    expect(plain[0]!.locator).toEqual({ start: 0, end: 10 });
  });

  it('overlaps consecutive chunks by whole sentences within the overlap budget', () => {
    const text = Array.from({ length: 30 }, (_, i) => sentence(i)).join(' ');
    const chunks = chunkDocument(doc([{ headingPath: [], blocks: [p(text)] }]), { maxTokens: 50, overlapTokens: 12, countTokens });
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      const cur = chunks[i]!;
      expect(cur.locator.start!).toBeLessThan(prev.locator.end!);
      const shared = prev.locator.end! - cur.locator.start!;
      expect(words(text.slice(cur.locator.start!, cur.locator.start! + shared))).toBeLessThanOrEqual(12);
    }
    const noOverlap = chunkDocument(doc([{ headingPath: [], blocks: [p(text)] }]), { maxTokens: 50, overlapTokens: 0, countTokens });
    for (let i = 1; i < noOverlap.length; i++) expect(noOverlap[i]!.locator.start!).toBeGreaterThan(noOverlap[i - 1]!.locator.end!);
  });

  it('never cuts a table row and repeats the header on continued tables', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `| Salarié ${i} | ${i + 10} jours ouvrables | accord d'entreprise |`);
    const table = ['| Situation | Durée | Source |', '| --- | --- | --- |', ...rows].join('\n');
    const chunks = chunkDocument(doc([{ headingPath: ['Tableau'], blocks: [{ kind: 'table', text: table }] }]), {
      maxTokens: 60,
      overlapTokens: 0,
      countTokens,
    });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      const lines = c.text.split('\n');
      expect(lines[0]).toBe('| Situation | Durée | Source |');
      for (const line of lines.slice(2)) expect(rows).toContain(line);
    }
    for (const row of rows) expect(chunks.filter((c) => c.text.includes(row))).toHaveLength(1);
  });

  it('never cuts a list item that fits the budget', () => {
    const items = Array.from({ length: 12 }, (_, i) => `- Élément ${i} : le salarié bénéficie. D'un droit spécifique numéro ${i}.`);
    const chunks = chunkDocument(
      doc([{ headingPath: [], blocks: items.map((text): Block => ({ kind: 'list-item', text })) }]),
      { maxTokens: 40, overlapTokens: 0, countTokens },
    );
    for (const item of items) expect(chunks.some((c) => c.text.includes(item))).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
  });

  it('cuts an over-long sentence at word boundaries only as a last resort', () => {
    const long = Array.from({ length: 200 }, (_, i) => `mot${i}`).join(' ');
    const chunks = chunkDocument(doc([{ headingPath: [], blocks: [p(long)] }]), { maxTokens: 50, overlapTokens: 0, countTokens });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.text).join(' ')).toBe(long);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(50);
  });

  it('cuts a run no tokenizer reads as one word (base64, junk without a space) to the budget', () => {
    const run = 'QUJD'.repeat(25_000) + '𝔘'.repeat(3_000); // 100,000 letters, then astral ones (surrogate pairs)
    const text = `Avant le bloc. ${run} Après le bloc.`;
    for (const count of [approximateTokens, (s: string) => Math.ceil(s.length / 3) + 2]) {
      const chunks = chunkDocument(doc([{ headingPath: [], blocks: [p(text)] }]), { maxTokens: 100, overlapTokens: 0, countTokens: count });
      expect(chunks.length).toBeGreaterThan(100);
      for (const c of chunks) {
        expect(c.tokenCount).toBeLessThanOrEqual(100);
        expect(c.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }
      for (const c of chunks) expect(text.slice(c.locator.start, c.locator.end)).toBe(c.text);
      expect(chunks.map((c) => c.text).join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, '')); // nothing lost
    }
  });

  it('hashes context and text: same input same hash, a changed heading changes it', () => {
    const opts = { maxTokens: 100, overlapTokens: 0, countTokens };
    const a = chunkDocument(doc([{ headingPath: ['A'], blocks: [p('Texte identique.')] }]), opts);
    const b = chunkDocument(doc([{ headingPath: ['A'], blocks: [p('Texte identique.')] }]), opts);
    const c = chunkDocument(doc([{ headingPath: ['B'], blocks: [p('Texte identique.')] }]), opts);
    expect(a[0]!.hash).toBe(b[0]!.hash);
    expect(c[0]!.hash).not.toBe(a[0]!.hash);
  });

  it('skips empty blocks and sections, and falls back to the description', () => {
    const empty = doc([{ headingPath: ['Vide'], blocks: [p('  ')] }]);
    expect(chunkDocument(empty, { maxTokens: 100, overlapTokens: 0, countTokens })).toEqual([]);
    const described = chunkDocument({ ...empty, description: 'Une courte description.' }, { maxTokens: 100, overlapTokens: 0, countTokens });
    expect(described.map((c) => c.text)).toEqual(['Une courte description.']);
  });
});

describe('chunking a large document', () => {
  // one paragraph without a sentence end: packed word by word, the chunker's longest path
  const longParagraph = (words: number) => doc([{ headingPath: ['Annexe'], blocks: [p(Array.from({ length: words }, (_, i) => `mot${i % 5000}`).join(' '))] }]);

  it('makes the same chunks in slices as at once', async () => {
    const table = `| Durée | Jours |\n|---|---|\n${Array.from({ length: 200 }, (_, i) => `| ${i} mois | ${i * 2.5} |`).join('\n')}`;
    const varied = doc([
      { headingPath: ['Durée'], blocks: Array.from({ length: 300 }, (_, i) => p(sentence(i))) },
      { headingPath: ['Barème'], blocks: [{ kind: 'table', text: table }] },
      ...longParagraph(20_000).sections,
    ]);
    const options = { maxTokens: 80, overlapTokens: 10, countTokens: approximateTokens };
    const atOnce = chunkDocument(varied, options);
    expect(atOnce.length).toBeGreaterThan(300);
    expect(await chunkDocumentInSlices(varied, options)).toEqual(atOnce);
  });

  it('lets timers run while it chunks in slices, where chunking at once holds them for all of it', async () => {
    const options = { maxTokens: 350, overlapTokens: 40, countTokens: approximateTokens };
    // how many times a 2 ms timer ran while `work` ran, and how long `work` took
    const timed = async (work: () => Promise<unknown>) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      const started = performance.now();
      const before = ticks;
      await work();
      const during = ticks - before;
      const took = performance.now() - started;
      clearInterval(timer);
      return { during, took };
    };
    const sections = doc(Array.from({ length: 60_000 }, (_, i) => ({ headingPath: [`Article ${i}`], blocks: [p(sentence(i))] })));
    // a list item and a table are cut otherwise than paragraphs: by their sentences, by their rows
    const listItem = doc([{ headingPath: ['Liste'], blocks: [{ kind: 'list-item', text: `- ${'Mot court. Suite '.repeat(150_000)}` }] }]);
    const table = doc([{ headingPath: ['Barème'], blocks: [{ kind: 'table', text: `| a | b |\n|---|---|\n${'| 1 mois | 2,5 jours |\n'.repeat(150_000)}` }] }]);
    // one paragraph of 5.3 M characters, a page of 60,000 one-line sections, and those
    for (const large of [longParagraph(600_000), sections, listItem, table]) {
      const inSlices = await timed(() => chunkDocumentInSlices(large, options));
      // a turn every 10 ms of work; every 50 ms on average leaves room for a loaded machine
      expect(inSlices.during).toBeGreaterThanOrEqual(Math.floor(inSlices.took / 50));
      expect(inSlices.during).toBeGreaterThan(3);
      const atOnce = await timed(async () => chunkDocument(large, options));
      expect(atOnce.during).toBe(0);
    }
  });

  it('stops once the document has made more chunks than its limit', () => {
    const many = doc([{ headingPath: [], blocks: Array.from({ length: 100 }, (_, i) => p(sentence(i))) }, { headingPath: ['Suite'], blocks: [p('Fin.')] }]);
    const options = { maxTokens: 30, overlapTokens: 0, countTokens };
    expect(chunkDocument(many, options).length).toBeGreaterThan(50);
    const limited = chunkDocument(many, { ...options, limit: 10 });
    expect(limited).toHaveLength(11);
    expect(limited).toEqual(chunkDocument(many, options).slice(0, 11));
  });

  it('repeats a table header only when it leaves the rows room', () => {
    const table = (header: string) => `| ${header} | Jours |\n|---|---|\n${Array.from({ length: 60 }, (_, i) => `| ${i} mois | ${i * 2.5} jours |`).join('\n')}`;
    const options = { maxTokens: 60, overlapTokens: 0, countTokens };
    const short = chunkDocument(doc([{ headingPath: ['Barème'], blocks: [{ kind: 'table', text: table('Ancienneté') }] }]), options);
    expect(short.length).toBeGreaterThan(3);
    for (const c of short) expect(c.text.startsWith('| Ancienneté | Jours |\n|---|---|')).toBe(true);
    // a header of 2,000 words: read once, cut to the budget like any long row, never put before the others
    const huge = chunkDocument(doc([{ headingPath: ['Barème'], blocks: [{ kind: 'table', text: table('colonne '.repeat(2000)) }] }]), options);
    for (const c of huge) expect(c.tokenCount).toBeLessThanOrEqual(60);
    expect(huge.filter((c) => c.text.includes('colonne colonne')).length).toBeLessThan(huge.length);
  });

  it('never asks the tokenizer to count a span far past the budget', () => {
    let longest = 0;
    const counting = (s: string) => {
      longest = Math.max(longest, s.length);
      return approximateTokens(s);
    };
    const chunks = chunkDocument(longParagraph(100_000), { maxTokens: 100, overlapTokens: 0, countTokens: counting });
    expect(chunks.length).toBeGreaterThan(1000);
    expect(longest).toBeLessThanOrEqual(100 * 100);
  });
});

describe('helpers', () => {
  it('builds the context without repeating the title', () => {
    expect(chunkContext('Congés', ['Congés', 'Durée'])).toBe('Congés > Durée');
    expect(chunkContext('', ['Durée'])).toBe('Durée');
  });
  it('splits a text longer than the window of the sentence expression as one run over the whole would', () => {
    // the expression before windows: one exec over the whole text
    const reference = (text: string): [number, number][] => {
      const re = /(?<=[.!?…:;])\s+(?=[\p{Lu}\d«"(\-–•])|\n+/gu;
      const out: [number, number][] = [];
      const push = (s: number, e: number) => {
        while (s < e && /\s/.test(text[s]!)) s++;
        while (e > s && /\s/.test(text[e - 1]!)) e--;
        if (e > s) out.push([s, e]);
      };
      let s = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        push(s, m.index);
        s = m.index + m[0].length;
      }
      push(s, text.length);
      return out;
    };
    const window = 1 << 20;
    // sentence ends, white-space runs, line breaks and surrogate pairs around each window's end
    const around = ['. B', '.\n\n\nÉ', `: ${' '.repeat(5000)}« X`, '!\u00a0\u00a0𝐀', '😀😀', `${' '.repeat(3000)}x`, '?\t1'];
    for (const [i, piece] of around.entries()) {
      for (const shift of [-3, -2, -1, 0, 1, 2]) {
        let text = 'mot court. '.repeat(Math.ceil((2.3 * window) / 11));
        for (const edge of [window, 2 * window]) text = text.slice(0, edge + shift - 1) + piece + text.slice(edge + shift - 1 + piece.length);
        expect(sentenceSpans(text), `piece ${i}, shift ${shift}`).toEqual(reference(text));
      }
    }
    // one long word, then sentences
    const word = `${'x'.repeat(window + 7)}. Puis une phrase.\nEt une autre`;
    expect(sentenceSpans(word)).toEqual(reference(word));
  });

  it('splits French sentences', () => {
    const t = 'Première phrase. Deuxième ? « Troisième » ici.\nQuatrième';
    expect(sentenceSpans(t).map(([s, e]) => t.slice(s, e))).toEqual(['Première phrase.', 'Deuxième ?', '« Troisième » ici.', 'Quatrième']);
  });
});

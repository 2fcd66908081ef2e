import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { extractPdf } from './pdf.js';
import { writePdf, writePdfBomb } from './testing/pdf-writer.js';

const MiB = 1024 * 1024;
const opts = { maxPages: 50, timeoutMs: 30_000, maxDecompressedBytes: 256 * MiB };
const url = 'https://example.gouv.fr/guide.pdf';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CiteError);
    return (e as CiteError).code;
  }
  return 'NO_ERROR';
}

describe('extractPdf', () => {
  it('extracts text page by page with page locators and the metadata title', async () => {
    const data = writePdf({
      title: 'Guide des congés',
      pages: ['Premiere page sur les conges payes du salarie.', 'Deuxieme page: le calcul des indemnites.', 'Troisieme page: les exceptions.'],
    });
    const doc = await extractPdf({ data, url }, opts);
    expect(doc.format).toBe('pdf');
    expect(doc.title).toBe('Guide des congés');
    expect(doc.metadata.pages).toBe(3);
    expect(doc.publishedAt).toBe('2024-01-02T03:04:05.000Z');
    const blocks = doc.sections.flatMap((s) => s.blocks);
    const byPage = (n: number) => blocks.filter((b) => b.locator?.page === n).map((b) => b.text).join(' ');
    expect(byPage(1)).toContain('Premiere page');
    expect(byPage(2)).toContain('calcul des indemnites');
    expect(byPage(3)).toContain('exceptions');
    expect(byPage(1)).not.toContain('Deuxieme');
  });

  it('keeps Latin-1 accents of WinAnsi text', async () => {
    const doc = await extractPdf({ data: writePdf({ pages: ['Congés payés et indemnités de fin de contrat'] }), url, fallbackTitle: 'guide' }, opts);
    expect(doc.sections[0].blocks[0].text).toContain('Congés payés');
    expect(doc.title).toBe('guide');
  });

  // Skia (@napi-rs/canvas, which pdf.js asks for as it loads) cost the crawl ~21 MB of RSS for drawing
  // that reading text never does
  it.runIf(process.platform === 'linux')('reads text without loading the drawing library', async () => {
    const doc = await extractPdf({ data: writePdf({ pages: ['Une page de texte sans dessin.'] }), url }, opts);
    expect(doc.sections[0].blocks[0].text).toContain('sans dessin');
    expect(fs.readFileSync('/proc/self/maps', 'utf8')).not.toMatch(/skia|napi-rs/);
  });

  it('refuses a corrupt PDF with PDF_CORRUPT', async () => {
    const good = writePdf({ pages: ['Du texte normal ici pour la page.'] });
    const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.from('garbage'.repeat(50))]);
    expect(await codeOf(extractPdf({ data: corrupt, url }, opts))).toBe('PDF_CORRUPT');
  });

  it('refuses a password-protected PDF with PDF_ENCRYPTED', async () => {
    const data = writePdf({ pages: ['Secret texte de la page protegee.'], encrypted: true });
    expect(await codeOf(extractPdf({ data, url }, opts))).toBe('PDF_ENCRYPTED');
  });

  it('refuses a scan without text layer with PDF_NO_TEXT', async () => {
    expect(await codeOf(extractPdf({ data: writePdf({ pages: [null, null] }), url }, opts))).toBe('PDF_NO_TEXT');
  });

  it('refuses PDFs over the page limit and past the time limit', async () => {
    const data = writePdf({ pages: ['un', 'deux', 'trois'] });
    expect(await codeOf(extractPdf({ data, url }, { ...opts, maxPages: 2 }))).toBe('PDF_TOO_MANY_PAGES');
    expect(await codeOf(extractPdf({ data, url }, { ...opts, maxPages: 10, timeoutMs: 0 }))).toBe('EXTRACT_TIMEOUT');
  });

  it('stops a PDF still being read at its deadline, leaves the caller\'s buffer whole, and reads the next one', async () => {
    const long = writePdf({ pages: Array.from({ length: 1500 }, (_, i) => `Page ${i} du guide des conges payes et des indemnites.`) });
    const copy = Buffer.from(long);
    const started = Date.now();
    expect(await codeOf(extractPdf({ data: long, url }, { ...opts, maxPages: 5000, timeoutMs: 150 }))).toBe('EXTRACT_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(long.equals(copy)).toBe(true);
    // the stuck reader was replaced: the next document is read
    const doc = await extractPdf({ data: writePdf({ pages: ['Apres le delai, un document court.'] }), url }, opts);
    expect(doc.sections[0]!.blocks[0]!.text).toContain('document court');
  });

  it('reads several PDFs given at once, each with its own pages', async () => {
    const docs = await Promise.all(
      [1, 2, 3, 4].map((n) => extractPdf({ data: writePdf({ pages: [`Document numero ${n}, premiere page.`, `Document ${n}, seconde page.`] }), url }, opts)),
    );
    docs.forEach((d, i) => {
      expect(d.metadata.pages).toBe(2);
      expect(d.sections[0]!.blocks.map((b) => b.text).join(' ')).toContain(`Document numero ${i + 1}`);
    });
  });

  describe('decompression bombs', () => {
    const normal = () => extractPdf({ data: writePdf({ pages: ['Apres la bombe, un document normal.'] }), url }, opts);

    it('refuses a 400 MB content stream in a small file with PDF_TOO_COMPLEX, quickly, and reads the next PDF', async () => {
      // before: the engine died ("JavaScript heap out of memory", RSS 1.2 GB) about a minute in
      const bomb = await writePdfBomb(400 * MiB, 'string');
      expect(bomb.length).toBeLessThan(2 * MiB);
      const started = Date.now();
      expect(await codeOf(extractPdf({ data: bomb, url }, opts))).toBe('PDF_TOO_COMPLEX');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await normal()).sections[0]!.blocks[0]!.text).toContain('document normal');
    });

    it('refuses streams inflating past the configured bound', async () => {
      const bomb = await writePdfBomb(24 * MiB, 'lines');
      expect(await codeOf(extractPdf({ data: bomb, url }, { ...opts, maxDecompressedBytes: 16 * MiB }))).toBe('PDF_TOO_COMPLEX');
      expect((await normal()).metadata.pages).toBe(1);
    });

    it('refuses one huge string operand below the byte bound (pdf.js would build it in the heap)', async () => {
      const bomb = await writePdfBomb(8 * MiB, 'string');
      expect(await codeOf(extractPdf({ data: bomb, url }, opts))).toBe('PDF_TOO_COMPLEX');
    });

    it('bounds the text items of a page the byte bound lets through', async () => {
      // ~270,000 text-showing operators in 20 MB: refused at the page's item bound, not read to the end
      const bomb = await writePdfBomb(20 * MiB, 'lines');
      expect(await codeOf(extractPdf({ data: bomb, url }, opts))).toBe('PDF_TOO_COMPLEX');
      expect((await normal()).metadata.pages).toBe(1);
    });
  });
});

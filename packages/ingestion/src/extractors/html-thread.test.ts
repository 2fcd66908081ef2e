import { describe, expect, it } from 'vitest';
import { extractHtml } from './html.js';
import { EXTRACT_THREAD_MAX_WAITING } from './extract-thread.js';
import { HTML_THREAD_MIN_BYTES, readHtml } from './html-thread.js';

/** A page of `articles` articles of ordinary markup (~330 bytes each), with links. */
function codePage(articles: number): Buffer {
  const parts = ['<!doctype html><html lang="fr"><head><title>Code du travail</title></head><body><nav><a href="/accueil">Accueil</a></nav><main><h1>Code du travail</h1>'];
  for (let i = 0; i < articles; i++) {
    parts.push(
      `<h2 id="L${i}">Article L${1000 + i}</h2><p>Le salarié dont le contrat ${i} est rompu a droit à un préavis dont la durée est fixée par la loi, la convention ou l'accord collectif de travail.</p><p>Voir <a href="/article/${i}">l'article ${i}</a>.</p>`,
    );
  }
  parts.push('</main></body></html>');
  return Buffer.from(parts.join(''));
}

const soon = (ms = 60_000) => Date.now() + ms;

describe('readHtml', () => {
  it('reads a large page in its thread as the calling thread would, leaving the event loop free', async () => {
    const page = codePage(14_000);
    expect(page.length).toBeGreaterThan(3 * HTML_THREAD_MIN_BYTES);
    const input = { body: page, url: 'https://code.example.fr/travail', contentType: 'text/html; charset=utf-8' };
    await readHtml(input, {}, soon()); // the thread's start (tsx compiling the reader) is not what is measured

    // the longest wait of a 5 ms timer while the page is read
    let last = performance.now();
    let longestWait = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestWait = Math.max(longestWait, now - last);
      last = now;
    }, 5);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
    await pause();
    const started = performance.now();
    const read = await readHtml(input, {}, soon());
    const took = performance.now() - started;
    await pause();
    clearInterval(timer);
    const onMain = extractHtml(input);
    expect(read).toEqual(onMain);
    expect(read.document.sections.length).toBeGreaterThanOrEqual(14_000);
    expect(read.links.length).toBeGreaterThan(14_000);
    // the reading took its time, the loop never waited for it (only for the copies in and out)
    expect(took).toBeGreaterThan(200);
    expect(longestWait).toBeLessThan(took / 2);
  });

  it('reads a decoded string (a rendered page) in the thread too', async () => {
    const html = codePage(5_000).toString('utf8');
    expect(html.length).toBeGreaterThan(HTML_THREAD_MIN_BYTES);
    const input = { body: html, url: 'https://code.example.fr/rendu' };
    expect(await readHtml(input, {}, soon())).toEqual(extractHtml(input));
  });

  it("keeps the reader's own refusals, and stops a reading past its deadline without stopping the next", async () => {
    const deep = Buffer.from(`<html><body>${'<div>'.repeat(300_000)}texte${'</div>'.repeat(300_000)}</body></html>`);
    expect(deep.length).toBeGreaterThan(HTML_THREAD_MIN_BYTES);
    await expect(readHtml({ body: deep, url: 'https://x.example.fr/' }, {}, soon())).rejects.toMatchObject({ code: 'DOCUMENT_TOO_DEEP', status: 422 });
    // a page of tiny elements is refused before it is parsed (it grew the process to 1.8 GB over 30-41 s)
    const tiny = Buffer.from(`<html><body>${'<i>x</i>'.repeat(1_000_001)}</body></html>`);
    await expect(readHtml({ body: tiny, url: 'https://x.example.fr/menu' }, {}, soon())).rejects.toMatchObject({
      code: 'HTML_TOO_COMPLEX',
      status: 422,
      message: expect.stringContaining('more than 1000000 elements'),
    });

    const big = codePage(40_000);
    await expect(readHtml({ body: big, url: 'https://x.example.fr/lent' }, {}, soon(50))).rejects.toMatchObject({ code: 'EXTRACT_TIMEOUT' });
    const next = await readHtml({ body: codePage(4_000), url: 'https://x.example.fr/suivant' }, {}, soon());
    expect(next.document.sections.length).toBeGreaterThanOrEqual(4_000);
  });

  it('leaves small pages on the calling thread', async () => {
    const small = codePage(10);
    // a deadline already past: only a thread would look at it
    const read = await readHtml({ body: small, url: 'https://x.example.fr/petit' }, {}, Date.now() - 1);
    expect(read.document.title).toBe('Code du travail');
  });

  it("never hands a page the answer of another: a reading stopped at its deadline whose answer was already on its way", async () => {
    const page = (word: string) => {
      const html = codePage(5_000).toString('utf8').replaceAll('Code du travail', `Page ${word}`);
      return { body: Buffer.from(html), url: `https://${word.toLowerCase()}.example.fr/` };
    };
    // settled while the thread is busy below: its outcome is kept, not left unhandled
    const a = readHtml(page('ALPHA'), {}, soon(50)).catch((e: unknown) => e);
    const b = readHtml(page('BRAVO'), {}, soon());
    // the calling thread is busy (chunking a document, say) while A's thread answers and A's deadline passes;
    // busy in the loop's check phase, so that A's deadline (a timer, next turn) is handled before the
    // answer waiting for it (an I/O event, later in the same turn)
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const until = Date.now() + 4_000;
        while (Date.now() < until);
        resolve();
      }),
    );
    expect(await a).toMatchObject({ code: 'EXTRACT_TIMEOUT' });
    expect((await b).document.title).toBe('Page BRAVO');
    expect((await readHtml(page('CHARLIE'), {}, soon())).document.title).toBe('Page CHARLIE');
  });

  it('refuses a waiting page at its deadline, and a page past the waiting bound at once', async () => {
    // read for seconds: it holds the thread while the others are sent
    const long = readHtml({ body: codePage(60_000), url: 'https://x.example.fr/long' }, {}, soon());
    const started = Date.now();
    await expect(readHtml({ body: codePage(5_000), url: 'https://x.example.fr/court' }, {}, soon(300))).rejects.toMatchObject({ code: 'EXTRACT_TIMEOUT' });
    // refused when its own time ran out, not when the long page was read
    expect(Date.now() - started).toBeLessThan(1_500);
    const waiting = Array.from({ length: EXTRACT_THREAD_MAX_WAITING }, (_, i) => readHtml({ body: codePage(5_000), url: `https://x.example.fr/w${i}` }, {}, soon()));
    await expect(readHtml({ body: codePage(5_000), url: 'https://x.example.fr/trop' }, {}, soon())).rejects.toMatchObject({ code: 'EXTRACT_BUSY', status: 503, retryable: true });
    expect((await long).document.sections.length).toBeGreaterThanOrEqual(60_000);
    expect((await Promise.all(waiting)).map((r) => r.document.url)).toEqual(waiting.map((_, i) => `https://x.example.fr/w${i}`));
  });
});

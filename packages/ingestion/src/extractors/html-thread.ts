/**
 * Large HTML pages are read in a worker thread of their own (html-worker.mjs), as PDFs and DOCX files are
 * (extract-thread.ts): parsing is synchronous, and the probe's 45 MB page of 1.2 million short paragraphs
 * held the engine's main thread ~10 s (searches waited 9.6 s) in the single-process mode (`cite start` with
 * its worker, the demo). A real 5 MB page of the Code du travail takes 1.1 s to read. Pages below
 * HTML_THREAD_MIN_BYTES, nearly all of them, stay on the calling thread: the thread's start (~0.7 s, tsx
 * compiling the reader) and the copies would cost them more than they hold the loop. A page needing more
 * than the thread's heap is refused (HTML_TOO_COMPLEX) instead of growing the engine's; one past the time
 * budget is stopped (EXTRACT_TIMEOUT).
 */
import { readerThreadErrors } from './extract-errors.js';
import { ExtractThread, transferableCopy } from './extract-thread.js';
import { extractHtml, type HtmlExtraction, type HtmlInput, type HtmlOptions } from './html.js';

/** Pages from this size on are read off the calling thread (~0.2 s of parsing on the main thread at most). */
export const HTML_THREAD_MIN_BYTES = 1024 * 1024;
/**
 * Old-generation heap of the reading thread. Measured: a 5 MB page of the Code du travail grew the process by
 * ~210 MB while read there; a 45 MB page of tiny elements ran past this heap (HTML_TOO_COMPLEX) after 30-41 s,
 * the process at 1.8 GB. Such a page is now refused before parsing (html.ts MAX_NODES); this heap stays
 * for what that count does not see.
 */
export const HTML_THREAD_HEAP_MB = 1536;

// the reader's own refusals (DOCUMENT_TOO_DEEP, HTML_TOO_COMPLEX…) keep their code
const thread = new ExtractThread<HtmlExtraction>({
  url: new URL('./html-worker.mjs', import.meta.url),
  heapMb: HTML_THREAD_HEAP_MB,
  errors: readerThreadErrors('HTML', 'HTML page', HTML_THREAD_HEAP_MB),
});

/** extractHtml, in the reading thread for a large page, by `deadline` (epoch ms). */
export async function readHtml(input: HtmlInput, options: HtmlOptions, deadline: number): Promise<HtmlExtraction> {
  const { body } = input;
  if (body.length < HTML_THREAD_MIN_BYTES) return extractHtml(input, options);
  const message = { url: input.url, contentType: input.contentType, options };
  if (typeof body === 'string') return thread.run({ ...message, body }, [], deadline);
  const copy = transferableCopy(body);
  return thread.run({ ...message, body: copy }, [copy], deadline);
}

/**
 * mammoth reads DOCX files in a worker thread of its own (docx-worker.mjs), one at a time, for the reasons
 * extract-thread.ts gives: a Word file of 580 KB whose XML unpacks to 200 MB took the engine's heap past 4 GB
 * and the process down (and a crawl that served it again took it down at each restart), and a 20 MB XML
 * part held the main thread 8.7 s. Here a file needing more than the thread's heap is refused
 * (DOCX_TOO_COMPLEX), one past the time budget is stopped (EXTRACT_TIMEOUT), and searches go on meanwhile.
 * The XML parts' unpacked size is checked before (docx.ts), which bounds the buffers the heap limit does
 * not cover.
 */
import { CiteError } from '@cite/core/errors.js';
import { docxCorrupt, extractBusy, extractTimeout } from './extract-errors.js';
import { ExtractThread, transferableCopy, type ThreadError } from './extract-thread.js';
import { tooDeep } from './html.js';

/**
 * Old-generation heap of the reading thread. mammoth holds ~30 bytes of heap per byte of a real DOCX's XML
 * (measured: 10.8 MB of XML, 20,000 paragraphs, 1.4 s and ~300 MB), so this reads any DOCX under the default
 * INGEST_DOCX_MAX_XML_BYTES short of pathological structure.
 */
export const DOCX_THREAD_HEAP_MB = 768;

/**
 * How mammoth's XML parser (xmldom) words a part it cannot read: "<level>: [xmldom <level>]\t<what>\n@#[line:…]",
 * mammoth throwing on warnings too.
 */
const XMLDOM_MESSAGE = /^(?:warning|error|fatalError): \[xmldom /;

/**
 * mammoth's refusal as one line saying what is wrong; its own text, which may hold the parser's lines and
 * positions, is the cause (for the logs). Its stack overflowing (tables nested 2,000 deep, 100 KB of XML) is
 * DOCUMENT_TOO_DEEP, as for web pages.
 */
export function docxUnreadable(e: ThreadError): CiteError {
  if (e.name === 'RangeError') {
    const deep = tooDeep(new RangeError(e.message));
    if (deep instanceof CiteError) return deep;
  }
  const cause = new Error(e.message);
  if (XMLDOM_MESSAGE.test(e.message)) return docxCorrupt('one of its XML parts is not well-formed', cause);
  const line = e.message.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 200);
  return docxCorrupt(line || 'mammoth refused it', cause);
}

const thread = new ExtractThread<{ html: string }>({
  url: new URL('./docx-worker.mjs', import.meta.url),
  heapMb: DOCX_THREAD_HEAP_MB,
  errors: {
    fromWorker: docxUnreadable,
    outOfMemory: (e) => new CiteError('DOCX_TOO_COMPLEX', `DOCX needs more than ${DOCX_THREAD_HEAP_MB} MB to be read`, { status: 422, cause: e }),
    timeout: () => extractTimeout('DOCX took longer than the time limit'),
    busy: () => extractBusy('DOCX'),
    failed: (e) => docxCorrupt(e.message, e),
  },
});

/** The DOCX as mammoth's HTML, by `deadline` (epoch ms). */
export async function docxToHtml(data: Buffer, styleMap: readonly string[], deadline: number): Promise<string> {
  const copy = transferableCopy(data);
  return (await thread.run({ data: copy, styleMap: [...styleMap] }, [copy], deadline)).html;
}

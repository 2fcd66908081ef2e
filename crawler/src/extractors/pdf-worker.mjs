// The PDF text reader's thread (see pdf-thread.ts). Plain JavaScript on purpose: it runs without tsx,
// whose module hooks made loading pdf.js cost ~250 MB of RSS instead of ~35 MB.
//
// In:  { data: ArrayBuffer, maxPages: number }
// Out: { total, info, pages: string[] } | { total, tooMany: true } | { error: { name, message } }
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

process.setSourceMapsEnabled(false);
const { PDFParse } = createRequire(import.meta.url)('pdf-parse');

parentPort.on('message', async ({ data, maxPages }) => {
  const parser = new PDFParse({ data: new Uint8Array(data), verbosity: 0, isEvalSupported: false });
  try {
    const info = await parser.getInfo();
    if (info.total > maxPages) {
      parentPort.postMessage({ total: info.total, tooMany: true });
      return;
    }
    const pages = [];
    for (let page = 1; page <= info.total; page++) {
      const result = await parser.getText({ partial: [page] });
      pages.push(result.pages[0]?.text ?? '');
    }
    parentPort.postMessage({ total: info.total, info: plain(info.info), pages });
  } catch (e) {
    parentPort.postMessage({ error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  } finally {
    await parser.destroy().catch(() => undefined);
  }
});

/** Metadata fields that survive structured cloning (strings, numbers, dates). */
function plain(info) {
  const out = {};
  for (const [k, v] of Object.entries(info ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) out[k] = v;
  }
  return out;
}

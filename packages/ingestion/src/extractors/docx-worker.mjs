// The DOCX reader's thread (see docx-thread.ts): mammoth turns a DOCX into HTML here, off the main thread.
// Plain JavaScript on purpose: it runs without tsx's module hooks.
//
// In:  { data: ArrayBuffer, styleMap: string[] }
// Out: { html: string } | { error: { name, message } }
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

process.setSourceMapsEnabled(false);
const mammoth = createRequire(import.meta.url)('mammoth');

parentPort.on('message', async ({ data, styleMap }) => {
  try {
    const result = await mammoth.convertToHtml({ buffer: Buffer.from(data) }, { styleMap, ignoreEmptyParagraphs: false });
    parentPort.postMessage({ html: result.value });
  } catch (e) {
    parentPort.postMessage({ error: { name: e?.name ?? 'Error', message: String(e?.message ?? e) } });
  }
});

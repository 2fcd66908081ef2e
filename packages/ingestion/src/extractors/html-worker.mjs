// The HTML reader's thread for large pages (see html-thread.ts). html.ts is TypeScript: tsx's hooks are
// registered here, in this thread only, as bin/cite.mjs does for the process.
//
// In:  { body: ArrayBuffer | string, url, contentType?, options }
// Out: HtmlExtraction | { error: { name, message, code?, status? } }
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(false);
register();
const { extractHtml } = await import('./html.ts');

parentPort.on('message', ({ body, url, contentType, options }) => {
  try {
    const input = { body: typeof body === 'string' ? body : Buffer.from(body), url, contentType };
    parentPort.postMessage(extractHtml(input, options));
  } catch (e) {
    parentPort.postMessage({
      error: { name: e?.name ?? 'Error', message: String(e?.message ?? e), code: typeof e?.code === 'string' ? e.code : undefined, status: e?.status },
    });
  }
});

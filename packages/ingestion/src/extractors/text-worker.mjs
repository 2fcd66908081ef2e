// The Markdown and plain-text reader's thread for large files (see text-thread.ts). text.ts is TypeScript:
// tsx's hooks are registered here, in this thread only, as bin/cite.mjs does for the process.
//
// In:  { kind: 'markdown' | 'text', input: TextInput }
// Out: NormalisedDocument | { error: { name, message, code?, status? } }
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(false);
register();
const { extractMarkdown, extractText } = await import('./text.ts');

parentPort.on('message', ({ kind, input }) => {
  try {
    parentPort.postMessage(kind === 'markdown' ? extractMarkdown(input) : extractText(input));
  } catch (e) {
    parentPort.postMessage({
      error: { name: e?.name ?? 'Error', message: String(e?.message ?? e), code: typeof e?.code === 'string' ? e.code : undefined, status: e?.status },
    });
  }
});

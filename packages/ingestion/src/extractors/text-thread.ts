/**
 * Large Markdown and plain-text files are read in a worker thread of their own (text-worker.mjs), as HTML
 * pages are (html-thread.ts): the readers are synchronous, and a 24 MB Markdown file held the engine's main
 * thread 2.4 s. Files below TEXT_THREAD_MIN_CHARS stay on the calling thread: the thread's start (~0.7 s,
 * tsx compiling the reader) would cost them more than they hold the loop.
 */
import type { NormalisedDocument } from '../document.js';
import { readerThreadErrors } from './extract-errors.js';
import { ExtractThread } from './extract-thread.js';
import { extractMarkdown, extractText, type TextInput } from './text.js';

/** Texts from this length on are read off the calling thread. */
export const TEXT_THREAD_MIN_CHARS = 1024 * 1024;
/** Old-generation heap of the reading thread: a text of 100 MB (the file limit) needs far less. */
const TEXT_THREAD_HEAP_MB = 1024;

const thread = new ExtractThread<NormalisedDocument>({
  url: new URL('./text-worker.mjs', import.meta.url),
  heapMb: TEXT_THREAD_HEAP_MB,
  errors: readerThreadErrors('TEXT', 'Text', TEXT_THREAD_HEAP_MB),
});

/** extractMarkdown or extractText, in the reading thread for a large text, by `deadline` (epoch ms). */
export async function readText(kind: 'markdown' | 'text', input: TextInput, deadline: number): Promise<NormalisedDocument> {
  if (input.text.length < TEXT_THREAD_MIN_CHARS) return kind === 'markdown' ? extractMarkdown(input) : extractText(input);
  return thread.run({ kind, input }, [], deadline);
}

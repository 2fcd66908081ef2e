/**
 * Text of the bench corpus format for benchmarks that generate their data from it: JSONL(.gz) records with
 * `text`, `markdown` or `html` (tags dropped), whitespace collapsed. No database or engine imports: the crawl
 * benchmark's children load this module too, and their peak RSS is measured.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Each record's text, in order, of one JSONL(.gz) file or of every such file in a directory. */
export function* jsonlTexts(fileOrDir: string): Generator<string> {
  const files = fs.statSync(fileOrDir).isDirectory()
    ? fs.readdirSync(fileOrDir).filter((name) => /\.jsonl(\.gz)?$/.test(name)).map((name) => path.join(fileOrDir, name))
    : [fileOrDir];
  for (const file of files) {
    const raw = fs.readFileSync(file);
    const text = file.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as { text?: string; markdown?: string; html?: string };
      yield (d.text ?? d.markdown ?? (d.html ?? '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
    }
  }
}

/** A text's sentences: split after . ! ? and at line ends. */
export function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n/);
}

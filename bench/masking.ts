/**
 * Personal-data masking over a real corpus: throughput, and what gets masked (with context, to judge
 * false positives on legal text full of article numbers, dates and amounts).
 *   npx tsx bench/masking.ts <file.jsonl[.gz]>… [--samples N]
 * Files are the bulk-import JSONL format ({url, title, text|markdown|html}).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { findPersonalData, maskPersonalDataWithCounts, type PersonalDataKind } from '@cite/ingestion/hygiene/personal-data.js';

const args = process.argv.slice(2);
const samplesAt = args.indexOf('--samples');
const maxSamples = samplesAt >= 0 ? Number(args[samplesAt + 1]) : 15;
const files = args.filter((a, i) => !a.startsWith('--') && (samplesAt < 0 || i !== samplesAt + 1));
if (!files.length) {
  process.stderr.write('usage: tsx bench/masking.ts <file.jsonl[.gz]>… [--samples N]\n');
  process.exit(2);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const plain = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e.toLowerCase()] ?? m)));

const totals: Record<PersonalDataKind, number> = { phone: 0, email: 0, nir: 0, iban: 0 };
const samples: string[] = [];
let docs = 0;
let bytes = 0;
let docsWithMatches = 0;
let ms = 0;

for (const file of files) {
  const input = fs.createReadStream(file).pipe(file.endsWith('.gz') ? zlib.createGunzip() : new (await import('node:stream')).PassThrough());
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { url: string; title?: string; text?: string; markdown?: string; html?: string };
    const text = `${doc.title ?? ''}\n${doc.text ?? doc.markdown ?? (doc.html ? plain(doc.html) : '')}`;
    docs++;
    bytes += Buffer.byteLength(text);
    const t0 = performance.now();
    const { counts } = maskPersonalDataWithCounts(text);
    ms += performance.now() - t0;
    let any = false;
    for (const k of Object.keys(counts) as PersonalDataKind[]) {
      totals[k] += counts[k];
      if (counts[k]) any = true;
    }
    if (any) {
      docsWithMatches++;
      for (const m of findPersonalData(text)) {
        if (samples.length >= maxSamples) break;
        samples.push(`${m.kind.padEnd(5)} ${JSON.stringify(text.slice(Math.max(0, m.start - 40), m.end + 25).replace(/\s+/g, ' '))}  ${doc.url}`);
      }
    }
  }
}

const mb = bytes / 1024 / 1024;
process.stdout.write(
  `${docs} documents, ${mb.toFixed(1)} MB of text, masking ${ms.toFixed(0)} ms (${(mb / (ms / 1000)).toFixed(1)} MB/s, ${((ms * 1000) / docs).toFixed(0)} µs/doc)\n` +
    `masked: ${JSON.stringify(totals)} in ${docsWithMatches} documents\n` +
    (samples.length ? `samples:\n  ${samples.join('\n  ')}\n` : ''),
);

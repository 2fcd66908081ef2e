/**
 * Extraction-only benchmark: how fast the parsers turn a corpus into normalised documents, so
 * their share of `bench:ingest` is known. Usage:
 *   npx tsx packages/ingestion/src/extractors/bench-extract.ts <file|dir|zip>… [--json]
 * Prints documents/s, blocks, characters, CPU time and failures per format, and peak RSS.
 */
import { performance } from 'node:perf_hooks';
import { extractSources } from './extract.js';

interface FormatStats {
  documents: number;
  blocks: number;
  chars: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const paths = args.filter((a) => a !== '--json');
  if (paths.length === 0) {
    console.error('usage: bench-extract <file|dir|zip>… [--json]');
    process.exit(2);
  }
  const perFormat = new Map<string, FormatStats>();
  const failures = new Map<string, number>();
  let peakRss = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const o of extractSources(paths.map((p) => ({ path: p })))) {
    if (++n % 500 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    if (!o.ok) {
      failures.set(o.code, (failures.get(o.code) ?? 0) + 1);
      continue;
    }
    const s = perFormat.get(o.document.format) ?? { documents: 0, blocks: 0, chars: 0 };
    s.documents++;
    for (const sec of o.document.sections) {
      s.blocks += sec.blocks.length;
      for (const b of sec.blocks) s.chars += b.text.length;
    }
    perFormat.set(o.document.format, s);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  const documents = [...perFormat.values()].reduce((a, s) => a + s.documents, 0);
  const result = {
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    documents,
    documentsPerSecond: Math.round(documents / seconds),
    peakRssMB: Math.round(peakRss / 1024 / 1024),
    formats: Object.fromEntries(perFormat),
    failures: Object.fromEntries(failures),
  };
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`${documents} documents in ${result.seconds} s (${result.documentsPerSecond} docs/s, CPU ${result.cpuSeconds} s), peak RSS ${result.peakRssMB} MB`);
    for (const [format, s] of perFormat) console.log(`  ${format.padEnd(15)} ${String(s.documents).padStart(7)} docs ${String(s.blocks).padStart(8)} blocks ${(s.chars / 1e6).toFixed(1).padStart(6)} M chars`);
    for (const [code, count] of failures) console.log(`  failed ${code}: ${count}`);
  }
}

await main();

/**
 * `npm run bench:support -- [--claims bench/claims/support-dev.jsonl] [--threshold 0.5] [--show N] [--json]`
 * How well the citation check tells claims a passage supports from claims it does not (support-eval.ts; the sets
 * and how they were written: bench/claims/README.md). Prints the share of supported claims accepted, of
 * unsupported claims refused, their balanced mean, the same by kind, and the shares at other thresholds (to see
 * how close the cut is, not to pick one on this set). No database, no model: lexical support, as with the
 * default hash embedder.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SUPPORT_THRESHOLD } from '@cite/retrieval/answers/support.js';
import { claimRates, readClaims, scoreClaims } from '@cite/retrieval/eval/support-eval.js';
import { ROOT } from './lib.js';

const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: path.join(ROOT, 'bench/claims/support-dev.jsonl') },
    threshold: { type: 'string', default: String(DEFAULT_SUPPORT_THRESHOLD) },
    show: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});

const f3 = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(3));

function main(): void {
  const threshold = Number(values.threshold);
  const items = readClaims(values.claims!);
  const rows = scoreClaims(items, threshold);
  const all = claimRates(rows);
  const kinds = [...new Set(rows.map((r) => r.kind))].sort();
  const byKind = Object.fromEntries(kinds.map((k) => [k, claimRates(rows.filter((r) => r.kind === k))]));
  // The verdict also needs no removed link; the sweep reads scores alone (the sets hold no links).
  const sweep = [0.3, 0.4, 0.5, 0.6, 0.7].map((t) => ({ threshold: t, ...claimRates(rows, (r) => r.score >= t) }));
  if (values.json) {
    console.log(JSON.stringify({ claims: values.claims, threshold, ...all, byKind, sweep }, null, 2));
    return;
  }
  console.log(`${values.claims}: ${items.length} passages, ${rows.length} claims, threshold ${threshold}`);
  console.log(
    `supported accepted ${f3(all.supportedAccepted)} · unsupported refused ${f3(all.unsupportedRefused)} · ` +
      `balanced ${f3(all.balanced)}`,
  );
  console.log('\nkind                 claims  accepted');
  for (const k of kinds) {
    const r = byKind[k]!;
    const label = rows.find((x) => x.kind === k)!.label;
    const accepted = label === 'supported' ? r.supportedAccepted : 1 - r.unsupportedRefused;
    console.log(`${k.padEnd(20)} ${String(r.n).padStart(6)}  ${f3(accepted)}  (${label})`);
  }
  console.log('\nthreshold  supported accepted  unsupported refused  balanced');
  for (const s of sweep) {
    const cells = [f3(s.supportedAccepted).padStart(18), f3(s.unsupportedRefused).padStart(19), f3(s.balanced)];
    console.log(`${s.threshold.toFixed(1).padStart(9)}  ${cells.join('  ')}`);
  }
  const show = Number(values.show);
  if (show > 0) {
    const wrong = rows.filter((r) => r.accepted !== (r.label === 'supported'));
    console.log(`\n${wrong.length} misjudged; the first ${Math.min(show, wrong.length)}:`);
    for (const r of wrong.slice(0, show)) console.log(`  ${r.id} ${r.label} ${r.kind} ${r.score.toFixed(2)}  ${r.claim}`);
  }
}

main();

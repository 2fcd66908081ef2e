import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { extractJsonl, type JsonlOutcome } from './jsonl.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-jsonl-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const lines = [
  JSON.stringify({ url: 'https://code.travail.gouv.fr/a', title: 'Article A', text: 'Premier paragraphe.\n\nSecond paragraphe.', lang: 'fr', updated_at: '2024-05-01' }),
  '{not json at all',
  JSON.stringify({ url: 'https://travail-emploi.gouv.fr/b', title: 'Fiche B', html: '<h1>Fiche B</h1><p>Intro.</p><h2>Détail</h2><ul><li>point</li></ul>', metadata: { source: 'fiches', published: '25/09/2025' } }),
  '',
  JSON.stringify({ url: 'https://code.travail.gouv.fr/c', title: 'Contribution C', markdown: '## Réponse\n\nLe texte **en gras**.' }),
  JSON.stringify({ title: 'sans url', text: 'x' }),
  JSON.stringify({ url: 'https://x.gouv.fr/d', title: 'Sans corps' }),
  JSON.stringify([1, 2]),
].join('\n');

async function collect(it: AsyncIterable<JsonlOutcome>): Promise<JsonlOutcome[]> {
  const out: JsonlOutcome[] = [];
  for await (const o of it) out.push(o);
  return out;
}

function check(outcomes: JsonlOutcome[]) {
  const ok = outcomes.filter((o) => o.ok);
  const bad = outcomes.filter((o) => !o.ok);
  expect(ok.map((o) => o.line)).toEqual([1, 3, 5]);
  expect(bad.map((o) => [o.line, !o.ok && o.code])).toEqual([
    [2, 'JSONL_LINE_INVALID'],
    [6, 'JSONL_LINE_INVALID'],
    [7, 'JSONL_LINE_INVALID'],
    [8, 'JSONL_LINE_INVALID'],
  ]);
  const [a, b, c] = ok.map((o) => (o.ok ? o.document : undefined)!);
  expect(a.url).toBe('https://code.travail.gouv.fr/a');
  expect(a.modifiedAt).toBe('2024-05-01T00:00:00.000Z');
  expect(a.sections[0].blocks.map((x) => x.text)).toEqual(['Premier paragraphe.', 'Second paragraphe.']);
  expect(a.format).toBe('jsonl');
  expect(b.metadata).toMatchObject({ source: 'fiches' });
  expect(b.publishedAt).toBe('2025-09-25T00:00:00.000Z');
  expect(b.sections.map((s) => s.headingPath)).toEqual([['Fiche B'], ['Fiche B', 'Détail']]);
  expect(b.sections[1].blocks[0]).toMatchObject({ text: '- point', kind: 'list-item' });
  expect(c.title).toBe('Contribution C');
  expect(c.sections[0].headingPath).toEqual(['Contribution C', 'Réponse']);
}

describe('extractJsonl', () => {
  it('streams a .jsonl file: good lines extracted, bad lines reported with their number', async () => {
    const file = path.join(tmp, 'docs.jsonl');
    fs.writeFileSync(file, lines);
    check(await collect(extractJsonl({ path: file, gzip: false }, { maxLineBytes: 1e6 })));
  });

  it('reads .jsonl.gz the same way, from disk and from memory', async () => {
    const gz = zlib.gzipSync(lines);
    const file = path.join(tmp, 'docs.jsonl.gz');
    fs.writeFileSync(file, gz);
    check(await collect(extractJsonl({ path: file, gzip: true }, { maxLineBytes: 1e6 })));
    check(await collect(extractJsonl({ data: gz, gzip: true }, { maxLineBytes: 1e6 })));
  });

  it('refuses a line over the size limit and goes on with the next', async () => {
    const big = JSON.stringify({ url: 'https://x.gouv.fr/big', title: 'Big', text: 'a'.repeat(5000) });
    const small = JSON.stringify({ url: 'https://x.gouv.fr/small', title: 'Small', text: 'petit texte' });
    const out = await collect(extractJsonl({ data: Buffer.from(`${big}\n${small}\n`), gzip: false }, { maxLineBytes: 1000 }));
    expect(out.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['JSONL_LINE_TOO_LARGE', 'ok']);
  });

  it('a truncated .gz keeps the lines read before the damage', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ url: `https://x.gouv.fr/${i}`, title: `T${i}`, text: `texte ${i} `.repeat(20) })).join('\n');
    const gz = zlib.gzipSync(many);
    const out = await collect(extractJsonl({ data: gz.subarray(0, Math.floor(gz.length / 2)), gzip: true }, { maxLineBytes: 1e6 }));
    const last = out[out.length - 1];
    expect(last.ok).toBe(false);
    expect(!last.ok && last.code).toBe('GZIP_CORRUPT');
    expect(out.filter((o) => o.ok).length).toBeGreaterThan(100);
  });

  it('stops a .jsonl.gz that inflates past the zip limits (GZIP_BOMB), keeping the lines read before', async () => {
    const line = JSON.stringify({ url: 'https://x.gouv.fr/copie', title: 'Copie', text: 'la même ligne '.repeat(50) });
    const bomb = zlib.gzipSync(`${line}\n`.repeat(40_000)); // ~30 MB of one line, a few hundred KB compressed
    const limits = { maxTotalBytes: 1e12, maxRatio: 20 };
    const out = await collect(extractJsonl({ data: bomb, gzip: true }, { maxLineBytes: 1e6, gzip: limits }));
    const last = out[out.length - 1]!;
    expect(!last.ok && last.code).toBe('GZIP_BOMB');
    const read = out.filter((o) => o.ok).length;
    expect(read).toBeGreaterThan(0);
    expect(read * line.length).toBeLessThanOrEqual(bomb.length * 20); // stopped at the ratio, not at the end
    // an ordinary export, within both limits, is read whole; and the total is a limit of its own
    const plain = zlib.gzipSync(lines);
    check(await collect(extractJsonl({ data: plain, gzip: true }, { maxLineBytes: 1e6, gzip: limits })));
    const capped = await collect(extractJsonl({ data: bomb, gzip: true }, { maxLineBytes: 1e6, gzip: { maxTotalBytes: 2 * 1024 * 1024, maxRatio: 1e6 } }));
    expect(capped.at(-1)).toMatchObject({ ok: false, code: 'GZIP_BOMB', message: expect.stringContaining('past 2097152 bytes') });
  });
});

/**
 * Offline harness for the vector branch and the fusion (scratch, quality work on issue 5).
 *
 *   tsx bench/hash-quality.ts [--db URL] [--queries FILE] [--variant engine|NAME ...] [--prf TOP:BETA,...]
 *
 * Dumps the chunks (id, document, context, text) and the lexical branch's document ranking of every
 * phrasing once (cached under /tmp/hash-quality), then for each embedder variant embeds every chunk,
 * ranks chunks by exact cosine (brute force, no HNSW), and fuses document ranks like the hybrid SQL
 * (document-level RRF), printing nDCG@10 / R@10 / R@50 / MRR@10 for vector alone and fusions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { readQueries } from '@cite/retrieval/eval/retrieval-eval.js';
import { averageByQuery, scoreRanking, type RetrievalScores } from '@cite/retrieval/eval/metrics.js';
import { buildHybridSql } from '@cite/retrieval/search/hybrid-sql.js';
import type { Embedder } from '@cite/core/embeddings/embedder.js';
import { CONTEXT_WEIGHT, HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/cite_q_main' },
    queries: { type: 'string', default: '/work/shared/bench/queries/cdtn-dev.jsonl' },
    cache: { type: 'string', default: '/tmp/hash-quality' },
    variant: { type: 'string', multiple: true },
    depth: { type: 'string', default: '100' },
    prf: { type: 'string' },
    'prf-only': { type: 'boolean' },
  },
});
const CACHE = values.cache!;
const DEPTH = Number(values.depth);
fs.mkdirSync(CACHE, { recursive: true });

interface ChunkRow {
  id: number;
  doc: number;
  context: string;
  text: string;
}

async function loadChunks(client: pg.Client): Promise<{ chunks: ChunkRow[]; urls: Map<number, string> }> {
  const file = path.join(CACHE, 'chunks.json');
  if (fs.existsSync(file)) {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { chunks: ChunkRow[]; urls: [number, string][] };
    return { chunks: j.chunks, urls: new Map(j.urls) };
  }
  const { rows } = await client.query<{ id: string; doc: string; context: string; text: string }>(
    `SELECT c.id, c.document_id AS doc, c.context, c.text FROM chunks c JOIN documents d ON d.id = c.document_id
     WHERE d.status = 'active' ORDER BY c.id`,
  );
  const chunks = rows.map((r) => ({ id: Number(r.id), doc: Number(r.doc), context: r.context, text: r.text }));
  const { rows: docs } = await client.query<{ id: string; url: string }>(`SELECT id, url FROM documents WHERE status = 'active'`);
  const urls = new Map(docs.map((d) => [Number(d.id), d.url] as [number, string]));
  fs.writeFileSync(file, JSON.stringify({ chunks, urls: [...urls] }));
  return { chunks, urls };
}

/** Lexical document ranking of each phrasing (documents of the top DEPTH chunks, by best chunk). */
async function loadLexical(client: pg.Client, phrasings: string[], tag = '', rewrite = (q: string) => q): Promise<Map<string, number[]>> {
  const file = path.join(CACHE, `lexchunks${tag}-${DEPTH}.json`);
  if (fs.existsSync(file)) return new Map(JSON.parse(fs.readFileSync(file, 'utf8')) as [string, number[]][]);
  const { rows: n } = await client.query<{ n: string }>('SELECT count(*) AS n FROM chunks');
  const out = new Map<string, number[]>();
  for (const q of phrasings) {
    const { sql, params } = buildHybridSql({
      mode: 'lexical',
      query: rewrite(q) || q,
      allowedCollections: null,
      chunkCount: Number(n[0]!.n),
      depth: DEPTH,
      termDepth: 2000,
      rrfK: 60,
      weights: { lexical: 1, vector: 0 },
      limit: DEPTH,
      offset: 0,
    });
    const { rows } = await client.query<{ id: string }>(sql, params);
    out.set(q, rows.map((r) => Number(r.id)));
  }
  fs.writeFileSync(file, JSON.stringify([...out]));
  return out;
}

/** Dim-major matrix of chunk vectors (so a sparse query reads contiguous rows). */
async function embedAll(embedder: Embedder & { embed(t: string): Float32Array }, chunks: ChunkRow[], text: (c: ChunkRow) => string) {
  const dim = embedder.dimension;
  const n = chunks.length;
  const m = new Float32Array(dim * n);
  for (let i = 0; i < n; i++) {
    const v = embedder.embed(text(chunks[i]!));
    for (let d = 0; d < dim; d++) m[d * n + i] = v[d]!;
  }
  return m;
}

function vectorDocs(m: Float32Array, n: number, q: Float32Array, chunks: ChunkRow[], depth: number, scores: Float32Array): number[] {
  scores.fill(0);
  for (let d = 0; d < q.length; d++) {
    const w = q[d]!;
    if (w === 0) continue;
    const off = d * n;
    for (let i = 0; i < n; i++) scores[i]! += w * m[off + i]!;
  }
  // top depth by partial selection
  const top: Array<[number, number]> = [];
  let min = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (top.length < depth) {
      top.push([s, i]);
      if (top.length === depth) {
        top.sort((a, b) => b[0] - a[0]);
        min = top[depth - 1]![0];
      }
    } else if (s > min) {
      let j = depth - 1;
      while (j > 0 && top[j - 1]![0] < s) j--;
      top.splice(j, 0, [s, i]);
      top.pop();
      min = top[depth - 1]![0];
    }
  }
  if (top.length < depth) top.sort((a, b) => b[0] - a[0]);
  const docs: number[] = [];
  for (const [, i] of top) {
    const d = chunks[i]!.doc;
    if (!docs.includes(d)) docs.push(d);
  }
  return docs;
}

function fuse(lex: number[], vec: number[], k: number, wl: number, wv: number): number[] {
  const s = new Map<number, number>();
  lex.forEach((d, i) => s.set(d, (s.get(d) ?? 0) + wl / (k + i + 1)));
  vec.forEach((d, i) => s.set(d, (s.get(d) ?? 0) + wv / (k + i + 1)));
  return [...s].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([d]) => d);
}

export type Variant = { name: string; embedder: Embedder & { embed(t: string): Float32Array }; text?: (c: ChunkRow) => string; query?: (q: string) => Float32Array };

const variants: Record<string, () => Variant> = {
  // the engine's embedder as indexing and search use it (passages with their context line weighted)
  engine: () => {
    const e = new HashEmbedder();
    return { name: e.id, embedder: Object.assign(Object.create(e) as HashEmbedder, { embed: (t: string) => e.embed(t, CONTEXT_WEIGHT) }), query: (q: string) => e.embed(q) };
  },
};

export function registerVariant(name: string, make: () => Variant) {
  variants[name] = make;
}

async function main() {
  // experimental variants live beside this file when present
  const extra = path.join(path.dirname(new URL(import.meta.url).pathname), 'hash-variants.ts');
  if (fs.existsSync(extra)) {
    const mod = (await import(extra)) as { variants: Record<string, () => Variant> };
    Object.assign(variants, mod.variants);
  }
  const queries = readQueries(values.queries!);
  const phrasings = [...new Set(queries.flatMap((q) => q.phrasings))];
  const client = new pg.Client({ connectionString: values.db });
  await client.connect();
  const { chunks, urls } = await loadChunks(client);
  const lexChunks = await loadLexical(client, phrasings);
  await client.end();
  const index = new Map(chunks.map((c, i) => [c.id, i]));
  const toDocs = (ids: number[]) => {
    const docs: number[] = [];
    for (const id of ids) {
      const i = index.get(id);
      if (i === undefined) continue;
      const d = chunks[i]!.doc;
      if (!docs.includes(d)) docs.push(d);
    }
    return docs;
  };
  const lexical = new Map([...lexChunks].map(([q, ids]) => [q, toDocs(ids)]));
  console.log(`${chunks.length} chunks, ${phrasings.length} phrasings`);

  const score = (rank: (q: string) => number[]): RetrievalScores => {
    const per = queries.flatMap((q) =>
      q.phrasings.map((p) => ({ queryId: q.id, scores: scoreRanking(rank(p).slice(0, 50).map((d) => urls.get(d)!), q.gold) })),
    );
    return averageByQuery(per);
  };
  const fmt = (s: RetrievalScores) =>
    `nDCG@10 ${s['ndcg@10'].toFixed(4)} R@10 ${s['recall@10'].toFixed(4)} R@50 ${s['recall@50'].toFixed(4)} MRR ${s['mrr@10'].toFixed(4)}`;
  console.log(`lexical            ${fmt(score((q) => lexical.get(q) ?? []))}`);
  const prfs = (values.prf ?? '').split(',').filter(Boolean).map((x) => x.split(':').map(Number) as [number, number]);

  for (const name of values.variant ?? ['engine']) {
    const make = variants[name];
    if (!make) throw new Error(`unknown variant ${name}; known: ${Object.keys(variants).join(', ')}`);
    const v = make();
    const t0 = performance.now();
    const text = v.text ?? ((c: ChunkRow) => (c.context ? `${c.context}\n${c.text}` : c.text));
    const m = await embedAll(v.embedder, chunks, text);
    const n = chunks.length;
    const dim = v.embedder.dimension;
    const t1 = performance.now();
    const buf = new Float32Array(n);
    const report = (label: string, vec: Map<string, number[]>) => {
      console.log(`${label.padEnd(18)} ${fmt(score((q) => vec.get(q) ?? []))}`);
      for (const [k, wv] of [
        [60, 0.3],
        [60, 0.5],
        [60, 1],
        [20, 0.3],
        [20, 0.5],
        [20, 1],
      ] as const) {
        console.log(`  rrf k=${String(k).padEnd(3)} wv=${wv.toFixed(1)} ${fmt(score((q) => fuse(lexical.get(q) ?? [], vec.get(q) ?? [], k, 1, wv)))}`);
      }
    };
    if (!values['prf-only']) {
      const vec = new Map<string, number[]>();
      for (const p of phrasings) vec.set(p, vectorDocs(m, n, v.query ? v.query(p) : v.embedder.embed(p), chunks, DEPTH, buf));
      const t2 = performance.now();
      console.log(`\n[${name}] embed ${((t1 - t0) / 1000).toFixed(1)} s, search ${((t2 - t1) / 1000).toFixed(1)} s`);
      report('vector', vec);
    }
    for (const [top, beta] of prfs) {
      // Rocchio: query + beta * mean of the top lexical chunks' vectors (sparsified to its 96 largest dims here)
      const vec = new Map<string, number[]>();
      for (const p of phrasings) {
        const q = Float32Array.from(v.query ? v.query(p) : v.embedder.embed(p));
        const ids = (lexChunks.get(p) ?? []).slice(0, top).map((id) => index.get(id)).filter((i): i is number => i !== undefined);
        if (ids.length) {
          const c = new Float32Array(dim);
          for (const i of ids) for (let d = 0; d < dim; d++) c[d]! += m[d * n + i]! / ids.length;
          let norm = 0;
          for (let d = 0; d < dim; d++) norm += c[d]! * c[d]!;
          norm = Math.sqrt(norm) || 1;
          const keep = [...c.keys()].sort((a, b) => Math.abs(c[b]!) - Math.abs(c[a]!)).slice(0, 96);
          for (const d of keep) q[d]! += (beta * c[d]!) / norm;
        }
        vec.set(p, vectorDocs(m, n, q, chunks, DEPTH, buf));
      }
      console.log(`\n[${name}] prf top=${top} beta=${beta}`);
      report('vector+prf', vec);
    }
  }
}

await main();

/**
 * The index store's write path on both databases: batches keep chunk_count, vectors, the model record and
 * the BM25 statistics right; a rewrite keeps unchanged chunks; the one delete and the one-document
 * re-embedding leave nothing stale; the deferred-statistics bulk path ends with the same postings.
 */
import { describe, expect, it } from 'vitest';
import type { Database, Queryable } from '@cite/core/db/database.js';
import { getEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { indexBacklog, markDocumentsDeleted, markSourceDocumentsDeleted } from './documents-repo.js';
import { embeddingText } from './embedding-text.js';
import { reembedDocument } from './reembed.js';
import { seedDocuments, type SeedDocument } from './seed-documents.js';
import { termCountErrors } from './testing/term-counts.js';
import { inWriteTransaction, WRITE_RETRIES } from './write-retry.js';

describeEachDatabase('index store writes', (ctx) => {
  const embedder = new HashEmbedder();
  const one = async <T>(sql: string, params: unknown[] = []) => (await ctx.db.query<T & Record<string, unknown>>(sql, params)).rows[0]!;
  // chunks holding `word`, by the statistics search reads (the triggers' counts plus the postings backlog)
  const df = async (word: string) =>
    Number(
      (
        await ctx.db.query<{ df: number }>(
          `SELECT df FROM search_term_df WHERE lexeme = (tsvector_to_array(to_tsvector('cite_french', $1)))[1]`,
          [word],
        )
      ).rows[0]?.df ?? 0,
    );
  const collection = async (name: string) =>
    Number((await one<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name])).id);

  it('writes documents in batches with their chunks, vectors, chunk_count, statistics and model record', async () => {
    const collectionId = await collection('batches');
    const docs: SeedDocument[] = Array.from({ length: 7 }, (_, i) => ({
      collectionId,
      url: `https://ex.fr/${i}`,
      title: `Fiche ${i}`,
      chunks: Array.from({ length: 1 + (i % 3) }, (_, j) => ({ text: `Le télétravail ${i} passage ${j}` })),
    }));
    const ids = await seedDocuments(ctx.db, embedder, docs, { batchSize: 3 });
    expect(new Set(ids).size).toBe(7);
    const { rows } = await ctx.db.query<{ url: string; chunk_count: number; n: number; vectors: number }>(
      `SELECT d.url, d.chunk_count, count(c.id)::int AS n, count(c.embedding)::int AS vectors
         FROM documents d LEFT JOIN chunks c ON c.document_id = d.id WHERE d.collection_id = $1 GROUP BY d.id ORDER BY d.id`,
      [collectionId],
    );
    expect(rows.map((r) => [r.url, r.chunk_count, r.n, r.vectors])).toEqual(docs.map((d) => [d.url, d.chunks.length, d.chunks.length, d.chunks.length]));
    expect(await df('télétravail')).toBe(docs.reduce((n, d) => n + d.chunks.length, 0));
    expect(await getEmbeddingModel(ctx.db)).toMatchObject({ id: embedder.id, dimension: embedder.dimension });
  });

  for (const placement of ['index', 'backlog'] as const) {
    it(`writes a batch's new documents and their chunks in one statement, each chunk with its own vector (${placement})`, async () => {
      const collectionId = await collection(`one-statement-${placement}`);
      const preavis = await df('préavis');
      const stored: SeedDocument = { collectionId, url: 'https://ex.fr/deja', title: 'Déjà', chunks: [{ text: 'Le texte écrit avant.' }] };
      const [storedId] = await seedDocuments(ctx.db, embedder, [stored]);
      const a: SeedDocument = { collectionId, url: 'https://ex.fr/a', title: 'A', chunks: [{ text: 'Le congé parental.' }, { text: 'La durée du préavis.' }] };
      const b: SeedDocument = { collectionId, url: 'https://ex.fr/b', title: 'B', chunks: [{ text: 'La rupture conventionnelle.' }] };
      // new, already stored (changed), new, and the first one again
      const ids = await seedDocuments(ctx.db, embedder, [a, { ...stored, chunks: [{ text: 'Le texte changé.' }] }, b, a], { placement });
      expect(ids[1]).toBe(storedId);
      expect(ids[3]).toBe(ids[0]);
      expect(new Set(ids).size).toBe(3);

      const { rows } = await ctx.db.query<{ url: string; ord: number; context: string; text: string; indexed: boolean; v: string }>(
        `SELECT d.url, c.ord, c.context, c.text, c.embedding IS NOT NULL AS indexed, coalesce(c.embedding, b.embedding)::text AS v
           FROM chunks c JOIN documents d ON d.id = c.document_id LEFT JOIN vector_backlog b ON b.chunk_id = c.id
          WHERE d.collection_id = $1 ORDER BY d.url, c.ord`,
        [collectionId],
      );
      expect(rows.map((r) => [r.url, r.ord, r.text])).toEqual([
        ['https://ex.fr/a', 0, 'Le congé parental.'],
        ['https://ex.fr/a', 1, 'La durée du préavis.'],
        ['https://ex.fr/b', 0, 'La rupture conventionnelle.'],
        ['https://ex.fr/deja', 0, 'Le texte changé.'],
      ]);
      const expected = await embedder.embedDocuments(rows.map((r) => embeddingText(r)));
      rows.forEach((r, i) => {
        const got = r.v.slice(1, -1).split(',').map(Number);
        expect(Math.max(...got.map((x, k) => Math.abs(x - expected[i]![k]!)))).toBeLessThan(1e-6);
      });
      // new documents follow the placement; the stored one, rewritten on its own path, too
      expect(rows.map((r) => r.indexed)).toEqual(rows.map(() => placement === 'index'));
      expect(await df('préavis')).toBe(preavis + 1);
    });
  }

  it('rewrites a changed document keeping its unchanged chunks, and deletes once with chunk_count and statistics right', async () => {
    const collectionId = await collection('rewrite');
    const sourceId = Number(
      (await one<{ id: string }>(`INSERT INTO sources (collection_id, name, kind) VALUES ($1, 's', 'website') RETURNING id`, [collectionId])).id,
    );
    const doc = (texts: string[]): SeedDocument => ({ collectionId, sourceId, url: 'https://ex.fr/mediation', title: 'Médiation', chunks: texts.map((text) => ({ text })) });
    const [id] = await seedDocuments(ctx.db, embedder, [doc(['La médiation est gratuite.', 'Le conciliateur de justice intervient.'])]);
    const kept = await one<{ id: string }>('SELECT id FROM chunks WHERE document_id = $1 AND ord = 0', [id]);
    expect(await seedDocuments(ctx.db, embedder, [doc(['Une audience précède le jugement.', 'La médiation est gratuite.'])])).toEqual([id]);
    // the unchanged passage kept its row (and vector) and moved; the other was replaced
    expect((await one<{ id: string }>('SELECT id FROM chunks WHERE document_id = $1 AND ord = 1', [id])).id).toBe(kept.id);
    expect(await df('conciliateur')).toBe(0);
    expect(await df('audience')).toBe(1);
    expect(await one<{ chunk_count: number }>('SELECT chunk_count FROM documents WHERE id = $1', [id])).toMatchObject({ chunk_count: 2 });

    expect(await markSourceDocumentsDeleted(ctx.db, sourceId)).toBe(1);
    expect(await one('SELECT status, chunk_count, (SELECT count(*)::int FROM chunks WHERE document_id = $1) AS n FROM documents WHERE id = $1', [id])).toEqual({
      status: 'deleted',
      chunk_count: 0,
      n: 0,
    });
    expect(await df('audience')).toBe(0);
    // deleting again finds nothing active
    expect(await markDocumentsDeleted(ctx.db, [id!])).toBe(0);
    // written again, the document comes back active with its chunks
    await seedDocuments(ctx.db, embedder, [doc(['La médiation est gratuite.'])]);
    expect(await one('SELECT status, chunk_count FROM documents WHERE id = $1', [id])).toEqual({ status: 'active', chunk_count: 1 });
  });

  it('re-embeds one document: new vectors, its backlog rows dropped', async () => {
    const collectionId = await collection('reembed');
    const [id] = await seedDocuments(ctx.db, embedder, [{ collectionId, url: 'https://ex.fr/r', title: 'R', chunks: [{ text: 'Un passage.' }, { text: 'Un autre.' }] }], {
      placement: 'backlog',
    });
    const backlog = async () => (await one<{ n: number }>('SELECT count(*)::int AS n FROM vector_backlog b JOIN chunks c ON c.id = b.chunk_id WHERE c.document_id = $1', [id])).n;
    expect(await backlog()).toBe(2);
    expect(await reembedDocument(ctx.db, embedder, id!)).toBe(2);
    expect(await backlog()).toBe(0);
    expect((await one<{ n: number }>('SELECT count(embedding)::int AS n FROM chunks WHERE document_id = $1', [id])).n).toBe(2);
  });

  it('gives waiting postings the impacts a direct write gives, and writes them at once when a waiting chunk\'s text changes', async () => {
    const collectionId = await collection('postings-backlog');
    const docs = (prefix: string): SeedDocument[] =>
      Array.from({ length: 3 }, (_, i) => ({
        collectionId,
        url: `https://ex.fr/${prefix}/${i}`,
        title: `Préavis ${i}`,
        chunks: [{ text: `Le préavis de démission dure ${i + 1} mois selon la convention collective.` }, { text: `Passage ${i}.` }],
      }));
    const impacts = async (prefix: string) =>
      (
        await ctx.db.query<{ lexeme: string; impact: number }>(
          `SELECT p.lexeme, p.impact FROM chunks c JOIN documents d ON d.id = c.document_id, cite_chunk_postings(c.tsv) p
            WHERE d.url LIKE $1 ORDER BY d.url, c.ord, p.lexeme`,
          [`https://ex.fr/${prefix}/%`],
        )
      ).rows;
    const written = async (prefix: string) =>
      (
        await ctx.db.query<{ lexeme: string; impact: number }>(
          `SELECT p.lexeme, p.impact FROM search_postings p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id
            WHERE d.url LIKE $1 ORDER BY d.url, c.ord, p.lexeme`,
          [`https://ex.fr/${prefix}/%`],
        )
      ).rows;
    const kept = async (prefix: string) =>
      (
        await ctx.db.query<{ lexeme: string; impact: number }>(
          `SELECT e.lexeme, e.impact FROM postings_backlog b JOIN chunks c ON c.id = b.chunk_id
             JOIN documents d ON d.id = c.document_id, unnest(b.lexemes, b.impacts) AS e(lexeme, impact)
            WHERE d.url LIKE $1 ORDER BY d.url, c.ord, e.lexeme`,
          [`https://ex.fr/${prefix}/%`],
        )
      ).rows;
    // the count the triggers keep: chunks whose postings are written
    const writtenDf = async (word: string) =>
      (await one<{ df: number }>(`SELECT coalesce(sum(df), 0)::int AS df FROM search_terms WHERE lexeme = (tsvector_to_array(to_tsvector('cite_french', $1)))[1]`, [word])).df;
    const before = await df('démission');
    await seedDocuments(ctx.db, embedder, docs('direct'));
    const writtenBefore = await writtenDf('démission');
    await seedDocuments(ctx.db, embedder, docs('waiting'), { placement: 'postings-backlog' });
    // no postings yet, the term counts at once (read from the backlog: the write spares search_terms), the
    // impacts kept are the very reals a direct write gives
    expect(await written('waiting')).toEqual([]);
    expect(await df('démission')).toBe(before + 6);
    expect(await writtenDf('démission')).toBe(writtenBefore);
    expect(await termCountErrors(ctx.db)).toEqual([]);
    expect((await kept('waiting')).map((r) => r.impact)).toEqual((await written('direct')).map((r) => r.impact));
    expect(await kept('waiting')).toEqual(await impacts('waiting'));

    // a waiting chunk whose text changes (index-store code only) leaves the backlog with its new postings
    const chunk = await one<{ id: string }>(
      `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url = 'https://ex.fr/waiting/0' AND c.ord = 0`,
    );
    await ctx.db.query(`UPDATE chunks SET text = 'Le préavis de licenciement est fixé par la loi.' WHERE id = $1`, [chunk.id]);
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM postings_backlog WHERE chunk_id = $1', [chunk.id])).n).toBe(0);
    const own = await ctx.db.query<{ lexeme: string }>('SELECT lexeme FROM search_postings WHERE chunk_id = $1 ORDER BY lexeme', [chunk.id]);
    expect(own.rows.map((r) => r.lexeme)).toEqual(
      (await ctx.db.query<{ lexeme: string }>('SELECT p.lexeme FROM chunks c, cite_chunk_postings(c.tsv) p WHERE c.id = $1 ORDER BY p.lexeme', [chunk.id])).rows.map((r) => r.lexeme),
    );
    expect(await df('démission')).toBe(before + 5);
    expect(await termCountErrors(ctx.db)).toEqual([]);

    // a deleted waiting chunk leaves no count behind, nor does a drained one count twice
    const [gone] = (await ctx.db.query<{ id: string }>(`SELECT id FROM documents WHERE url = 'https://ex.fr/waiting/1'`)).rows;
    expect(await markDocumentsDeleted(ctx.db, [Number(gone!.id)])).toBe(1);
    expect(await df('démission')).toBe(before + 4);
    expect(await termCountErrors(ctx.db)).toEqual([]);
    expect(await indexBacklog(ctx.db, 1)).toEqual({ postings: 1, vectors: 0 });
    expect(await termCountErrors(ctx.db)).toEqual([]);
    // the rest (other tests' waiting chunks too), in batches
    while ((await indexBacklog(ctx.db, 3)).postings > 0);
    expect(await written('waiting')).toEqual(await impacts('waiting'));
    expect(await df('démission')).toBe(before + 4);
    expect(await writtenDf('démission')).toBe(writtenBefore + 1);
    expect(await termCountErrors(ctx.db)).toEqual([]);
    // written again to the backlog, to see the rebuild empty it
    await seedDocuments(ctx.db, embedder, docs('waiting'), { placement: 'postings-backlog' });
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM postings_backlog')).n).toBeGreaterThan(0);
    expect(await termCountErrors(ctx.db)).toEqual([]);

    // the rebuild writes every chunk's postings: nothing waits any more
    await ctx.db.query('SELECT search_rebuild_postings()');
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM postings_backlog')).n).toBe(0);
    expect(await termCountErrors(ctx.db)).toEqual([]);
    expect(await written('waiting')).toEqual(await impacts('waiting'));
  });

  it('a deferred-statistics bulk load ends with the postings a maintained one writes', async () => {
    const collectionId = await collection('bulk');
    const docs = (prefix: string): SeedDocument[] =>
      Array.from({ length: 5 }, (_, i) => ({ collectionId, url: `https://ex.fr/${prefix}/${i}`, title: `Congés ${i}`, chunks: [{ text: `Le congé parental dure ${i + 1} ans.` }] }));
    const postings = async (prefix: string) =>
      (
        await ctx.db.query<{ lexeme: string; impact: number }>(
          `SELECT p.lexeme, p.impact FROM search_postings p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id
            WHERE d.url LIKE $1 ORDER BY d.url, p.lexeme`,
          [`https://ex.fr/${prefix}/%`],
        )
      ).rows;
    await seedDocuments(ctx.db, embedder, docs('maintained'));
    const before = await df('parental');
    await seedDocuments(ctx.db, embedder, docs('deferred'), { statistics: 'deferred', batchSize: 2 });
    expect(await postings('deferred')).toEqual(await postings('maintained'));
    expect(await df('parental')).toBe(before + 5);
    expect((await postings('deferred')).length).toBeGreaterThan(10);
  });
});

describe('the index write retry policy', () => {
  const failing = (codes: (string | undefined)[]): { db: Database; attempts: () => number } => {
    let n = 0;
    const db = {
      transaction: async <T>(fn: (tx: Queryable) => Promise<T>) => {
        const code = codes[n++];
        if (code !== undefined) throw Object.assign(new Error(`failure ${code}`), { code });
        return fn({} as Queryable);
      },
    } as unknown as Database;
    return { db, attempts: () => n };
  };

  it('runs a write again after a deadlock or serialization failure', async () => {
    const { db, attempts } = failing(['40P01', '40001']);
    await expect(inWriteTransaction(db, async (_tx, attempt) => attempt)).resolves.toBe(2);
    expect(attempts()).toBe(3);
  });

  it('gives up after its retries, and never retries other errors', async () => {
    const deadlocks = failing(Array.from({ length: WRITE_RETRIES + 1 }, () => '40P01'));
    await expect(inWriteTransaction(deadlocks.db, async () => 'x')).rejects.toMatchObject({ code: '40P01' });
    expect(deadlocks.attempts()).toBe(WRITE_RETRIES + 1);
    const unique = failing(['23505']);
    await expect(inWriteTransaction(unique.db, async () => 'x')).rejects.toMatchObject({ code: '23505' });
    expect(unique.attempts()).toBe(1);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HNSW_INDEX_OPTIONS } from '../embeddings/embedding-model-record.js';
import { indexBacklog } from '@cite/index/documents-repo.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { termCountErrors } from '@cite/index/testing/term-counts.js';
import { writeDocuments } from '@cite/index/write-documents.js';
import { HashEmbedder } from '../embeddings/hash-embedder.js';
import { describeEachDatabase } from '../testing/databases.js';
import { MIGRATIONS_DIR, migrate, migrationsUpToDate, splitSql } from './migrations.js';

describe('splitSql', () => {
  it('keeps dollar-quoted bodies, strings and comments whole', () => {
    const parts = splitSql(`-- a; comment\nCREATE TABLE a (x text DEFAULT ';');\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 'it''s; fine'`);
    expect(parts).toEqual([`CREATE TABLE a (x text DEFAULT ';')`, 'DO $$ BEGIN PERFORM 1; END $$', `SELECT 'it''s; fine'`]);
  });
});

describeEachDatabase(
  'migrations',
  (ctx) => {
    it('apply from empty, then are idempotent', async () => {
      const first = await migrate(ctx.db);
      expect(first[0]).toBe('0001_schema.sql');
      expect(await migrate(ctx.db)).toEqual([]);
      expect(await migrationsUpToDate(ctx.db)).toBe(true);
      const { rows } = await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN
         ('collections','sources','crawl_runs','frontier','documents','chunks','answers','feedback','api_keys','audit_log','settings')`,
      );
      expect(rows[0]!.n).toBe(11);
      // the first schema's unused jobs queue is gone (issue 18: background work is claimed where it lives)
      expect((await ctx.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'jobs'`)).rows).toEqual([]);
    });

    it('refuses an applied migration that was edited', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-mig-'));
      for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(ctx.db, dir);
      fs.appendFileSync(path.join(dir, '0001_schema.sql'), '\n-- edited\n');
      await expect(migrate(ctx.db, dir)).rejects.toMatchObject({ code: 'MIGRATION_EDITED' });
      expect(await migrationsUpToDate(ctx.db, dir)).toBe(false);
    });

    it('says a database migrated by a newer version is one, and names a migration that fails, rolled back', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-mig-'));
      for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(ctx.db, dir);
      await ctx.db.query(`INSERT INTO schema_migrations (name, checksum) VALUES ('9999_from_the_future.sql', 'x')`);
      try {
        await expect(migrate(ctx.db, dir)).rejects.toMatchObject({ code: 'MIGRATION_MISSING', message: expect.stringContaining('a newer version migrated this database') });
      } finally {
        await ctx.db.query(`DELETE FROM schema_migrations WHERE name = '9999_from_the_future.sql'`);
      }
      // a database that already holds a table of that name (another application's, a hand-made one)
      fs.writeFileSync(path.join(dir, '9998_clash.sql'), 'CREATE TABLE cite_clash (id int);\nCREATE TABLE documents (id int);\n');
      await expect(migrate(ctx.db, dir)).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringMatching(/^Migration 9998_clash.sql failed and was rolled back .*"documents" already exists/),
      });
      expect((await ctx.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'cite_clash'`)).rows).toEqual([]);
      expect(await migrationsUpToDate(ctx.db)).toBe(true);
    });

    it('folds accents and stems French: État ↔ etat, démarches ↔ demarche', async () => {
      const q = async (doc: string, query: string) =>
        (
          await ctx.db.query<{ m: boolean }>(
            `SELECT to_tsvector('cite_french', $1) @@ plainto_tsquery('cite_french', $2) AS m`,
            [doc, query],
          )
        ).rows[0]!.m;
      expect(await q("Les services de l'État", 'etat')).toBe(true);
      expect(await q('les services de l etat', 'État')).toBe(true);
      expect(await q('Vos démarches en ligne', 'demarche')).toBe(true);
      expect(await q('une demarche simple', 'démarches')).toBe(true);
      expect(await q('congés payés', 'retraite')).toBe(false);
    });

    it('builds the vector index with the graph options the engine uses after a change of model', async () => {
      const { rows } = await ctx.db.query<{ options: string[] }>(`SELECT reloptions AS options FROM pg_class WHERE relname = 'chunks_embedding_idx'`);
      expect(rows[0]!.options.join(', ')).toBe(HNSW_INDEX_OPTIONS.replace(/ = /g, '='));
    });

    it('finds the nearest vector through the HNSW index', async () => {
      const { rows: c } = await ctx.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('vec') RETURNING id`);
      const vector = (hot: number) => Float32Array.from({ length: 384 }, (_, i) => (i === hot ? 1 : 0.01));
      const vec = (hot: number) => `[${vector(hot).join(',')}]`;
      // written through the index store, with the vectors given (a model of its own, same dimension)
      const chunks = Array.from({ length: 50 }, (_, i) => ({
        ord: i, text: `chunk ${i}`, headingPath: [], context: '', locator: {}, tokenCount: 1, hash: `h${i}`,
      }));
      await writeDocuments(
        ctx.db,
        { id: 'one-hot-test-vectors', dimension: 384 },
        [{ collectionId: Number(c[0]!.id), sourceId: null, url: 'https://x.fr/a', title: '', lang: 'fr', description: null, format: 'text',
           contentHash: 'h', etag: null, lastModified: null, publishedAt: null, modifiedAt: null, metadata: {}, chunks }],
        (hash) => vector(Number(hash.slice(1))),
      );
      await ctx.db.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        const plan = await tx.query<Record<string, string>>(
          `EXPLAIN SELECT id FROM chunks ORDER BY embedding <=> $1 LIMIT 3`,
          [vec(17)],
        );
        expect(JSON.stringify(plan.rows)).toContain('chunks_embedding_idx');
        const { rows } = await tx.query<{ text: string }>(`SELECT text FROM chunks ORDER BY embedding <=> $1 LIMIT 1`, [vec(17)]);
        expect(rows[0]!.text).toBe('chunk 17');
      });
    });
  },
  { migrate: false },
);

/**
 * The schema as the migrations up to `last` (included) left it, and 0340: the tests seed it through
 * today's write path, which sends the chunks' tsvectors, a column that only 0340 lets a row set.
 */
async function migrateUpTo(db: Parameters<typeof migrate>[0], last: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-mig-'));
  const wanted = (f: string) => f <= last || f === WRITE_PATH_MIGRATION;
  for (const f of fs.readdirSync(MIGRATIONS_DIR).filter(wanted)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  expect(await migrate(db, dir)).toContain(last);
}
const WRITE_PATH_MIGRATION = '0340_chunk_tsvector_given.sql';

describeEachDatabase(
  'migration 0300 on a database with waiting chunks',
  (ctx) => {
    it('takes the chunks waiting at upgrade time out of search_terms, which then counts them once', async () => {
      // the schema as 0290 left it: its insert trigger counted waiting chunks in search_terms at once
      await migrateUpTo(ctx.db, '0290_postings_backlog.sql');
      const { rows } = await ctx.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('upgrade') RETURNING id`);
      const collectionId = Number(rows[0]!.id);
      const doc = (i: number, text: string) => ({ collectionId, url: `https://ex.fr/${i}`, title: 'Fiche', chunks: [{ text }] });
      await seedDocuments(ctx.db, new HashEmbedder(), [doc(0, 'La démission ouvre un préavis.')]);
      await seedDocuments(ctx.db, new HashEmbedder(), [doc(1, 'Le préavis de démission est fixé par la convention.'), doc(2, 'Le préavis se négocie.')], {
        placement: 'postings-backlog',
      });
      const written = async (lexeme: string) =>
        Number((await ctx.db.query<{ df: number }>('SELECT coalesce(sum(df), 0)::int AS df FROM search_terms WHERE lexeme = $1', [lexeme])).rows[0]!.df);
      expect(await written('preav')).toBe(3);

      expect(await migrate(ctx.db)).toContain('0300_postings_backlog_df.sql');
      expect(await written('preav')).toBe(1);
      expect(await termCountErrors(ctx.db)).toEqual([]);
      while ((await indexBacklog(ctx.db, 1)).postings > 0);
      expect(await written('preav')).toBe(3);
      expect(await termCountErrors(ctx.db)).toEqual([]);
    });
  },
  { migrate: false },
);

describeEachDatabase(
  'migration 0310 on a database with two collections',
  (ctx) => {
    it('splits the term counts by collection, written and waiting chunks each counted once', async () => {
      await migrateUpTo(ctx.db, '0300_postings_backlog_df.sql');
      const collection = async (name: string) => Number((await ctx.db.query<{ id: string }>('INSERT INTO collections (name) VALUES ($1) RETURNING id', [name])).rows[0]!.id);
      const [a, b] = [await collection('a'), await collection('b')];
      const doc = (collectionId: number, i: number, text: string) => ({ collectionId, url: `https://ex.fr/${i}`, title: 'Fiche', chunks: [{ text }] });
      await seedDocuments(ctx.db, new HashEmbedder(), [doc(a, 0, 'Le préavis de démission.'), doc(b, 1, 'Le préavis se négocie.')]);
      await seedDocuments(ctx.db, new HashEmbedder(), [doc(b, 2, 'Un préavis plus court.')], { placement: 'postings-backlog' });

      expect(await migrate(ctx.db)).toContain('0310_search_terms_by_collection.sql');
      const { rows } = await ctx.db.query<{ collection_id: string; df: number }>(
        `SELECT collection_id, df FROM search_terms WHERE lexeme = 'preav' ORDER BY collection_id`,
      );
      expect(rows.map((r) => [Number(r.collection_id), r.df])).toEqual([[a, 1], [b, 1]]);
      expect(await termCountErrors(ctx.db)).toEqual([]);
      while ((await indexBacklog(ctx.db, 1)).postings > 0);
      expect(await termCountErrors(ctx.db)).toEqual([]);
    });
  },
  { migrate: false },
);

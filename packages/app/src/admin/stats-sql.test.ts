import { expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { markDocumentsDeleted } from '@cite/index/documents-repo.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { loadDashboardStats } from './stats-sql.js';

describeEachDatabase('dashboard stats', (ctx) => {
  it('is all zeros on an empty database, with a full 30-day activity series', async () => {
    const s = await loadDashboardStats(ctx.db);
    expect(s.totals).toEqual({ documents: 0, chunks: 0, sources: 0, collections: 0 });
    expect(s.activity).toHaveLength(30);
    expect(s.activity.every((d) => d.answers === 0 && d.feedback_up === 0)).toBe(true);
    expect(s.activity.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(s.freshness.oldest).toBeNull();
    expect(s.review.open).toBe(0);
  });

  it('counts documents, chunks, sources, runs, activity and the review queue', async () => {
    const db = ctx.db;
    const { rows: cols } = await db.query<{ id: string }>(
      `INSERT INTO collections (name) VALUES ('travail'), ('vie-pratique') RETURNING id`,
    );
    const [c1, c2] = cols.map((c) => c.id);
    const { rows: srcs } = await db.query<{ id: string }>(
      `INSERT INTO sources (collection_id, name, kind, status, enabled) VALUES
         ($1, 'site A', 'website', 'idle', true),
         ($1, 'site B', 'sitemap', 'crawling', false),
         ($2, 'fiches', 'service-public', 'failed', true),
         ($2, 'gone', 'website', 'deleted', true)
       RETURNING id`,
      [c1, c2],
    );
    await db.query(
      `INSERT INTO crawl_runs (source_id, status, indexed, failed, created_at) VALUES
         ($1, 'succeeded', 12, 1, now() - interval '2 hours'),
         ($1, 'running', 3, 0, now() - interval '1 minute')`,
      [srcs[0]!.id],
    );
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    const passages = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `Passage ${i + 1}` }));
    const [, , gone] = await seedDocuments(db, new HashEmbedder(), [
      { collectionId: Number(c1), url: 'https://a/1', format: 'html', title: 'Vieille page', fetchedAt: daysAgo(40), chunks: passages(4) },
      { collectionId: Number(c1), url: 'https://a/2', format: 'html', title: 'Récente', fetchedAt: daysAgo(1), chunks: passages(6) },
      { collectionId: Number(c1), url: 'https://a/3', format: 'html', title: 'Supprimée', fetchedAt: daysAgo(90), chunks: passages(9) },
      { collectionId: Number(c2), url: 'https://b/1', format: 'xml', title: 'Fiche', chunks: passages(2) },
    ]);
    expect(await markDocumentsDeleted(db, [gone!])).toBe(1);
    const { rows: ans } = await db.query<{ id: string }>(
      `INSERT INTO answers (question, answer, abstained, collections, created_at, reviewed_at) VALUES
         ('q1', 'a', false, NULL, now(), NULL),
         ('q2', 'a', true, NULL, now() - interval '3 days', NULL),
         ('q3', 'a', false, NULL, now() - interval '3 days', now()),
         ('q4', 'a', false, NULL, now() - interval '45 days', NULL)
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO feedback (answer_id, rating, created_at) VALUES
         ($1, 'down', now()), ($2, 'up', now() - interval '3 days'), ($3, 'down', now() - interval '3 days')`,
      [ans[0]!.id, ans[1]!.id, ans[2]!.id],
    );

    const s = await loadDashboardStats(db);
    expect(s.totals).toEqual({ documents: 3, chunks: 12, sources: 3, collections: 2 });
    expect(s.collections.find((c) => c.name === 'travail')).toMatchObject({ documents: 2, chunks: 10, sources: 2 });
    expect(s.sources_by_status).toEqual([
      { status: 'crawling', count: 1 },
      { status: 'failed', count: 1 },
      { status: 'idle', count: 1 },
    ]);
    expect(s.sources_disabled).toBe(1);
    expect(s.recent_runs.map((r) => r.status)).toEqual(['running', 'succeeded']);
    expect(s.recent_runs[1]).toMatchObject({ source_name: 'site A', indexed: 12, failed: 1 });
    expect(s.freshness.oldest).toMatchObject({ title: 'Vieille page', url: 'https://a/1' });
    expect(s.freshness.stale_documents).toBe(1);

    const total = (k: 'answers' | 'abstained' | 'feedback_up' | 'feedback_down') =>
      s.activity.reduce((n, d) => n + d[k], 0);
    // The 45-day-old answer is outside the window.
    expect(total('answers')).toBe(3);
    expect(total('abstained')).toBe(1);
    expect(total('feedback_up')).toBe(1);
    expect(total('feedback_down')).toBe(2);
    expect(s.activity.at(-1)!.answers).toBe(1);

    // Open = has feedback and not reviewed (q1 down, q2 up); q3 was reviewed.
    expect(s.review).toEqual({ open: 2, open_negative: 1, reviewed_30d: 1 });

    // Restricted to the second collection, the first one's figures disappear.
    const scoped = await loadDashboardStats(db, { collections: [Number(c2)] });
    expect(scoped.totals).toMatchObject({ documents: 1, chunks: 2, collections: 1 });
    expect(scoped.recent_runs).toEqual([]);
    expect(scoped.freshness.oldest?.title).toBe('Fiche');
  });
});

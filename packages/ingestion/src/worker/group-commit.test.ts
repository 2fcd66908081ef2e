/**
 * Group commit on both databases: pages finished together are written in one transaction (documents,
 * links, completions); a page whose write fails is failed alone, the others of its group are indexed;
 * claims take several URLs of a fast host at once and one of a slow host.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import type { NormalisedDocument } from '../document.js';
import { claimMany, enqueue } from '../frontier/frontier.js';
import { PIPELINE_DEFAULTS, runContext, type ItemResult } from '../pipeline.js';
import type { RunRow } from '../runs/run-repo.js';
import { startQueuedRun } from '../runs/run-lifecycle.js';
import { createSource, startCrawl } from '../sources/source-service.js';
import { testLogger } from '../testing/crawl-helpers.js';
import { GroupCommit } from './group-commit.js';
import { ingestIndexer } from './ingest-indexer.js';

const doc = (url: string, n: number): NormalisedDocument => ({
  url,
  title: `Fiche ${n}`,
  lang: 'fr',
  sections: [{ headingPath: [`Fiche ${n}`], blocks: [{ kind: 'paragraph', text: `Le congé parental numéro ${n} se demande à l'employeur. `.repeat(8) }] }],
  metadata: {},
  format: 'html',
});

describeEachDatabase('group commit of crawled pages', (ctx) => {
  async function runningRun(name: string, ratePerHost: number) {
    const source = await createSource(ctx.db, {
      name,
      kind: 'website',
      collection: `c-${name}`,
      start_urls: [`http://${name}.test/`],
      rate_per_host: ratePerHost,
    });
    const runId = await startCrawl(ctx.db, source.id, 'manual');
    await startQueuedRun(ctx.db);
    const { rows } = await ctx.db.query<RunRow>('SELECT id, source_id, status, phase, config FROM crawl_runs WHERE id = $1', [runId]);
    const limits = { maxPages: 100, maxQueryVariants: 10 };
    await enqueue(ctx.db, runId, [1, 2, 3].map((i) => ({ url: `http://${name}.test/p/${i}`, depth: 1, kind: 'page' as const })), limits);
    return runContext(rows[0]!);
  }

  it('claims several URLs of a fast host at once, one of a slow host', async () => {
    await runningRun('slow', 2);
    const first = await claimMany(ctx.db, 'w-slow', 8, 8);
    expect(first.items.map((i) => new URL(i.url).host)).toEqual(['slow.test']);
    expect(first.nextSlotMs).toBeNull();
    // the host's next slot is half a second away: nothing more now, and the empty claim says when
    const second = await claimMany(ctx.db, 'w-slow', 8, 8);
    expect(second.items).toEqual([]);
    expect(second.nextSlotMs).toBeGreaterThan(300);
    expect(second.nextSlotMs).toBeLessThanOrEqual(500);
    await ctx.db.query(`UPDATE frontier SET status = 'done' WHERE claimed_by = 'w-slow'`);
    await ctx.db.query(`UPDATE frontier SET status = 'skipped' WHERE url LIKE 'http://slow.test/%'`);
  });

  it("counts a host's concurrency on the pages being fetched, not on those waiting for their write", async () => {
    await runningRun('busy', 1000);
    const claimed = async (marks: number[] = []) => (await claimMany(ctx.db, 'w-busy', 2, 8, marks)).items.map((i) => i.id);
    const first = await claimed();
    expect(first).toHaveLength(2); // the host's concurrency
    await ctx.db.query(`UPDATE crawl_hosts SET next_fetch_at = now() WHERE host = 'busy.test'`);
    expect(await claimed()).toEqual([]); // both still being fetched
    // the first one's response is in hand, its write pending: it is marked and its slot is free
    await ctx.db.query(`UPDATE crawl_hosts SET next_fetch_at = now() WHERE host = 'busy.test'`);
    const third = await claimed([first[0]!]);
    expect(third).toHaveLength(1);
    const { rows } = await ctx.db.query<{ id: number; status: string; fetched: boolean }>(
      `SELECT id, status, fetched_at IS NOT NULL AS fetched FROM frontier WHERE claimed_by = 'w-busy' ORDER BY id`,
    );
    // still claimed (a kill before the write commits hands it back), but no longer counted as in flight
    expect(rows.map((r) => [Number(r.id), r.status, r.fetched])).toEqual([
      [first[0], 'claimed', true],
      [first[1], 'claimed', false],
      [third[0], 'claimed', false],
    ]);
    await ctx.db.query(`UPDATE crawl_hosts SET next_fetch_at = now() WHERE host = 'busy.test'`);
    expect(await claimed()).toEqual([]);
    await ctx.db.query(`UPDATE frontier SET status = 'skipped' WHERE url LIKE 'http://busy.test/%'`);
  });

  it('writes the pages of a group together; a page whose write fails is failed alone, its links still followed', async () => {
    const run = await runningRun('grp', 1000);
    const { items } = await claimMany(ctx.db, 'w-grp', 8, 8);
    expect(items).toHaveLength(4); // the start URL and its three pages, in one claim

    const indexer = ingestIndexer(ctx.db, new HashEmbedder());
    const commits = new GroupCommit(ctx.db, indexer, { log: testLogger(), options: PIPELINE_DEFAULTS }, {
      workerId: 'w-grp',
      maxGroup: 8,
      concurrency: 1,
      lingerMs: 0,
      maxQueryVariants: 10,
    });
    const results: ItemResult[] = [];
    for (const [n, item] of items.entries()) {
      const write = await indexer.prepare(doc(item.url, n), { collectionId: run.collectionId, sourceId: run.sourceId, runId: run.runId, maskPersonalData: false });
      results.push({
        type: 'complete',
        completion: { status: 'done', outcome: 'indexed', httpStatus: 200, fetched: true },
        enqueue: [{ url: `http://grp.test/linked/${n}`, depth: item.depth + 1, kind: 'page', parentUrl: item.url }],
        // the third page carries a value the database refuses: its write fails, the others' must not
        write: n === 2 ? { ...write, publishedAt: 'not a date' } : write,
      });
    }
    const outcomes = await Promise.all(items.map((item, n) => commits.submit(item, run, results[n] as Extract<ItemResult, { type: 'complete' }>)));
    expect(outcomes).toEqual(['indexed', 'indexed', 'failed', 'indexed']);

    const frontier = await ctx.db.query<{ url: string; status: string; outcome: string }>(
      `SELECT url, status, outcome FROM frontier WHERE run_id = $1 ORDER BY id`,
      [run.runId],
    );
    const byUrl = Object.fromEntries(frontier.rows.map((r) => [r.url, r]));
    expect(items.map((i) => byUrl[i.url]!.status)).toEqual(['done', 'done', 'failed', 'done']);
    for (let n = 0; n < 4; n++) expect(byUrl[`http://grp.test/linked/${n}`]?.status).toBe('pending');
    const docs = await ctx.db.query<{ url: string; chunk_count: number }>(
      `SELECT url, chunk_count FROM documents WHERE source_id = $1 AND status = 'active' ORDER BY url`,
      [run.sourceId],
    );
    expect(docs.rows.map((d) => d.url).sort()).toEqual([items[0]!.url, items[1]!.url, items[3]!.url].sort());
    const chunks = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source_id = $1`,
      [run.sourceId],
    );
    expect(chunks.rows[0]!.n).toBe(docs.rows.reduce((s, d) => s + Number(d.chunk_count), 0));

    // the same pages again: nothing re-written, each noted unchanged
    await ctx.db.query(`UPDATE frontier SET status = 'claimed', claimed_by = 'w-grp' WHERE run_id = $1 AND url = ANY($2::text[])`, [
      run.runId,
      items.map((i) => i.url),
    ]);
    const again = await Promise.all(
      [0, 1, 3].map((n) => commits.submit(items[n]!, run, { ...(results[n] as Extract<ItemResult, { type: 'complete' }>), enqueue: [] })),
    );
    expect(again).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it("records every page's completion with the last run's links, whichever of a group's runs found new ones", async () => {
    await ctx.db.query(`UPDATE frontier SET status = 'skipped' WHERE status = 'pending'`); // the earlier tests' links
    const runs = [await runningRun('twoa', 1000), await runningRun('twob', 1000)];
    const { items } = await claimMany(ctx.db, 'w-two', 16, 16);
    expect(new Set(items.map((i) => i.run_id))).toEqual(new Set(runs.map((r) => r.runId)));
    const commits = new GroupCommit(ctx.db, ingestIndexer(ctx.db, new HashEmbedder()), { log: testLogger(), options: PIPELINE_DEFAULTS }, {
      workerId: 'w-two',
      maxGroup: 16,
      concurrency: 1,
      lingerMs: 50, // every page in one group
      maxQueryVariants: 10,
    });
    const runOf = (id: number) => runs.find((r) => r.runId === id)!;
    const host = (item: { url: string }) => new URL(item.url).host;
    // in the first group, only the second run's pages find new URLs; in the second, nobody does
    const group = (links: (item: (typeof items)[number]) => string[]) =>
      Promise.all(
        items.map((item) =>
          commits.submit(item, runOf(item.run_id), {
            type: 'complete',
            completion: { status: 'done', outcome: 'processed', httpStatus: 200, fetched: true },
            enqueue: links(item).map((url) => ({ url, depth: item.depth + 1, kind: 'page' as const, parentUrl: item.url })),
          }),
        ),
      );
    const statuses = async () =>
      (await ctx.db.query<{ url: string; status: string }>(`SELECT url, status FROM frontier WHERE run_id = ANY($1::bigint[]) ORDER BY url`, [runs.map((r) => r.runId)])).rows;

    expect(await group((item) => [host(item) === 'twob.test' ? `http://twob.test/new/${item.id}` : `http://twoa.test/p/1`])).toEqual(items.map(() => 'processed'));
    const first = await statuses();
    expect(first.filter((r) => items.some((i) => i.url === r.url)).map((r) => r.status)).toEqual(items.map(() => 'done'));
    expect(first.filter((r) => r.url.includes('/new/')).map((r) => r.status)).toEqual(items.filter((i) => host(i) === 'twob.test').map(() => 'pending'));

    await ctx.db.query(`UPDATE frontier SET status = 'claimed', claimed_by = 'w-two' WHERE id = ANY($1::bigint[])`, [items.map((i) => i.id)]);
    expect(await group((item) => [item.url])).toEqual(items.map(() => 'processed'));
    expect((await statuses()).map((r) => r.status)).toEqual(first.map((r) => r.status));
    await ctx.db.query(`UPDATE frontier SET status = 'skipped' WHERE run_id = ANY($1::bigint[])`, [runs.map((r) => r.runId)]);
  });
});

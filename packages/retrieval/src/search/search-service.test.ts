import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { statementText, type NamedStatement } from '@cite/core/db/database.js';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { vectorToSql } from '@cite/core/embeddings/embedder.js';
import { buildHybridSql } from './hybrid-sql.js';
import { reciprocalRankFusion } from './reciprocal-rank.js';
import type { Reranker } from './reranker.js';
import { resetSearchStatistics, searchWith, vectorFloor, vectorWeight, type SearchDeps, type SearchInput } from './search-service.js';
import { markDocumentsDeleted } from '@cite/index/documents-repo.js';
import { reembed } from '@cite/index/reembed.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { loadTestCorpus } from './test-corpus.js';

const config = loadConfig({ DATA_DIR: 'memory://' });

describeEachDatabase('search service', (ctx) => {
  let deps: SearchDeps;
  let ids: Awaited<ReturnType<typeof loadTestCorpus>>;
  const run = (q: string, extra: Partial<SearchInput> = {}) =>
    searchWith(deps, { query: q, allowedCollections: null, mode: 'lexical', ...extra });
  const urls = async (q: string, extra: Partial<SearchInput> = {}) => (await run(q, extra)).data.map((h) => h.document.url);

  beforeAll(async () => {
    ids = await loadTestCorpus(ctx.db);
    deps = { db: ctx.db, embedder: new HashEmbedder(), config };
    resetSearchStatistics(ctx.db);
  });

  it('ranks a chunk with the rare query term above chunks repeating a common one (IDF)', async () => {
    const found = await urls('salarié prud’hommes', { k: 5 });
    expect(found[0]).toBe('https://exemple.gouv.fr/prudhommes');
  });

  it('ORs the terms: a word found nowhere does not empty the results', async () => {
    const found = await urls('licenciement zorglubesque');
    expect(found).toContain('https://exemple.gouv.fr/indemnite-licenciement');
  });

  it('weighs the title and heading path above body text', async () => {
    const found = await urls('démission', { k: 5 });
    expect(found.indexOf('https://exemple.gouv.fr/preavis-demission')).toBeLessThan(found.indexOf('https://exemple.gouv.fr/article-preavis'));
    const heading = await run('report', { k: 3 });
    expect(heading.data[0]!.heading_path).toEqual(['Report']);
  });

  it('folds accents and stems French words', async () => {
    const found = await urls('conges payes');
    expect(found[0]).toBe('https://exemple.gouv.fr/conges-payes');
    expect(await urls('CONGÉ PAYÉ')).toContain('https://exemple.gouv.fr/conges-payes');
  });

  it('runs the vector branch with HNSW keeping SEARCH_EF_SEARCH candidates (SEARCH_EF_SEARCH_VECTOR alone), never fewer than the depth', async () => {
    // the settings the statement ran under, as the database was asked for them (the search itself is real)
    const seen: Array<Readonly<Record<string, string>>> = [];
    const db = new Proxy(ctx.db, {
      get: (target, key, receiver) =>
        key === 'queryWithSettings'
          ? (settings: Readonly<Record<string, string>>, sql: string, params?: readonly unknown[]) => (seen.push(settings), target.queryWithSettings(settings, sql, params))
          : Reflect.get(target, key, receiver),
    });
    const search = (cfg: Partial<typeof config>, extra: Partial<SearchInput> = {}) =>
      searchWith({ ...deps, db, config: { ...config, ...cfg } }, { query: 'préavis de démission', allowedCollections: null, mode: 'hybrid', k: 5, ...extra });
    expect((await search({})).data[0]!.document.url).toBe('https://exemple.gouv.fr/preavis-demission');
    expect(seen.pop()).toEqual({ 'hnsw.ef_search': String(config.SEARCH_EF_SEARCH), 'hnsw.iterative_scan': 'off' });
    await search({ SEARCH_EF_SEARCH: 50 }); // below the depth: the depth
    expect(seen.pop()).toMatchObject({ 'hnsw.ef_search': String(config.SEARCH_DEPTH) });
    await search({ SEARCH_EF_SEARCH: 400 }, { allowedCollections: [ids.collections.get('general')!] });
    expect(seen.pop()).toEqual({ 'hnsw.ef_search': '400', 'hnsw.iterative_scan': 'relaxed_order' });
    await search({}, { mode: 'lexical' });
    expect(seen.pop()).toEqual({});
    // a vector-only search has no lexical branch to make up for HNSW's misses: its own, larger list
    await search({ SEARCH_EF_SEARCH: 100, SEARCH_EF_SEARCH_VECTOR: 300 }, { mode: 'vector' });
    expect(seen.pop()).toEqual({ 'hnsw.ef_search': '300', 'hnsw.iterative_scan': 'off' });
    await search({ SEARCH_EF_SEARCH: 100, SEARCH_EF_SEARCH_VECTOR: 300 });
    expect(seen.pop()).toMatchObject({ 'hnsw.ef_search': '100' });
  });

  it('runs the unfiltered search as one named statement with its generic plan (one per set of a key’s collections), finding what a per-value plan finds', async () => {
    // what the database was asked to run (the searches themselves are real); `planned` strips the request
    // for a generic plan, so the same text is planned for its values as any statement
    const statements: Array<string | NamedStatement> = [];
    const spy = new Proxy(ctx.db, {
      get: (target, key, receiver) =>
        key === 'queryWithSettings'
          ? (settings: Readonly<Record<string, string>>, sql: string | NamedStatement, params?: readonly unknown[]) => (statements.push(sql), target.queryWithSettings(settings, sql, params))
          : Reflect.get(target, key, receiver),
    });
    const planned = new Proxy(ctx.db, {
      get: (target, key, receiver) =>
        key === 'queryWithSettings'
          ? (settings: Readonly<Record<string, string>>, sql: string | NamedStatement, params?: readonly unknown[]) => target.queryWithSettings(settings, statementText(sql), params)
          : Reflect.get(target, key, receiver),
    });
    const queries = ['préavis de démission', 'salarié congés payés', 'congés du salarié et préavis'];
    for (const mode of ['hybrid', 'lexical', 'vector'] as const) {
      for (const [extra, generic] of [
        [{}, true],
        [{ group_by_document: true }, true],
        [{ k: 12 }, false], // past the configured depth (10 here): planned for it
        [{ filters: { collections: [ids.collections.get('service-public')!] } }, false], // a filter's selectivity changes the best plan
      ] as Array<[Partial<SearchInput>, boolean]>) {
        for (const query of queries) {
          const input: SearchInput = { query, allowedCollections: null, mode, debug: true, ...extra };
          const cfg = { ...config, SEARCH_DEPTH: 10 };
          const hot = await searchWith({ ...deps, config: cfg, db: spy }, input);
          const statement = statements.pop();
          expect(typeof statement === 'object' && statement.genericPlan === true).toBe(generic);
          expect(hot.data.length, `${mode} ${JSON.stringify(extra)} ${query}`).toBeGreaterThan(0);
          expect(hot.data).toEqual((await searchWith({ ...deps, config: cfg, db: planned }, input)).data);
        }
      }
    }
    // a key restricted to collections: its collections in the text, one named statement per set of them
    const limitedTo = async (collections: number[]) => {
      const input: SearchInput = { query: 'salarié préavis', allowedCollections: collections, mode: 'hybrid', debug: true };
      const hot = await searchWith({ ...deps, db: spy }, input);
      expect(hot.data).toEqual((await searchWith({ ...deps, db: planned }, input)).data);
      expect(hot.data.length).toBeGreaterThan(0);
      const statement = statements.pop();
      expect(typeof statement === 'object' && statement.genericPlan).toBe(true);
      return statement as NamedStatement;
    };
    const general = ids.collections.get('general')!;
    const both = [general, ids.collections.get('service-public')!];
    const one = await limitedTo([general]);
    expect(one.text).toContain(`'{${general}}'::bigint[]`);
    expect((await limitedTo([general])).name).toBe(one.name);
    expect((await limitedTo(both)).name).not.toBe(one.name);
  });

  it('returns the response shape of /v1/search', async () => {
    const res = await run('préavis de démission', { k: 2 });
    expect(res.data).toHaveLength(2);
    const hit = res.data[0]!;
    expect(hit).toMatchObject({ chunk_id: expect.any(Number), text: expect.any(String), heading_path: expect.any(Array), locator: {}, score: expect.any(Number) });
    expect(hit.document).toMatchObject({ id: expect.any(Number), url: expect.any(String), title: expect.any(String), metadata: expect.any(Object) });
    expect(hit.ranks).toBeUndefined();
    expect(res.timings.total_ms).toBeGreaterThan(0);
    expect(res.timings.sql_ms).toBeGreaterThan(0);
    expect(res.timings.sql_ms).toBeLessThanOrEqual(res.timings.total_ms!);
  });

  it('brings no chance neighbours for a query of punctuation or stop words (its vector is zeros)', async () => {
    for (const query of ['?!', '« … »', '👍', 'de la, du !']) {
      expect((await new HashEmbedder().embedQuery(query)).every((x) => x === 0)).toBe(true);
      for (const mode of ['vector', 'hybrid'] as const) {
        const res = await run(query, { mode });
        expect(res.data).toEqual([]);
        expect(res.warnings).toEqual([{ code: 'QUERY_WITHOUT_VECTOR', message: expect.stringMatching(/punctuation or stop words/) }]);
      }
    }
    // a query with words still gets both branches
    const words = await run('préavis de démission', { mode: 'hybrid', debug: true });
    expect(words.warnings).toBeUndefined();
    expect(words.data.some((h) => h.ranks?.vector != null)).toBe(true);
    expect(words.data.some((h) => h.ranks?.lexical != null)).toBe(true);
  });

  it('leaves NaN distances (zero vectors) out of the vector branch, whatever the floor', async () => {
    // PostgreSQL orders NaN above every number, so `1 - NaN >= floor` holds: the branch names them
    const zero = vectorToSql(new Float32Array(new HashEmbedder().dimension));
    for (const [mode, minSimilarity] of [['vector', 0], ['hybrid', 0.25]] as const) {
      const { sql, params } = buildHybridSql({
        mode, query: '?!', vector: zero, allowedCollections: null, chunkCount: 1, depth: 50, termDepth: 100,
        rrfK: 60, weights: { lexical: 1, vector: 1 }, minSimilarity, limit: 10, offset: 0,
      });
      expect((await ctx.db.query(sql, params)).rows).toEqual([]);
    }
  });

  it('fuses both branches by reciprocal rank inside SQL, as the pure function does', async () => {
    const q = 'indemnité de licenciement ancienneté';
    const lex = await run(q, { mode: 'lexical', k: 100 });
    const vec = await run(q, { mode: 'vector', k: 100, debug: true });
    const hyb = await run(q, { mode: 'hybrid', k: 100, debug: true });
    // both branches vote equally by default (see vectorWeight); vector candidates below the chance
    // floor do not vote (see vectorFloor): here the corpus's other chunks, which share no word with the query
    expect(vectorWeight(undefined)).toBe(1);
    const voters = vec.data.filter((h) => h.ranks!.vector!.score >= vectorFloor(undefined, deps.embedder));
    expect(voters.length).toBeGreaterThan(0);
    expect(voters.length).toBeLessThan(vec.data.length);
    const expected = reciprocalRankFusion(
      [{ ids: lex.data.map((h) => h.chunk_id) }, { ids: voters.map((h) => h.chunk_id), weight: 1 }],
      60,
    );
    expect(hyb.data.map((h) => h.score)).toEqual(expected.map((e) => expect.closeTo(e.score, 10)));
    expect(new Set(hyb.data.map((h) => h.chunk_id))).toEqual(new Set(expected.map((e) => e.id)));
    const top = hyb.data[0]!;
    expect(top.ranks!.fused).toEqual({ rank: 1, score: top.score });
    const inLex = lex.data.findIndex((h) => h.chunk_id === top.chunk_id);
    expect(top.ranks!.lexical).toEqual({ rank: inLex + 1, score: expect.closeTo(lex.data[inLex]!.score, 6) });
    expect(top.ranks!.vector!.rank).toBe(vec.data.findIndex((h) => h.chunk_id === top.chunk_id) + 1);
    expect(hyb.timings).toMatchObject({ embed_ms: expect.any(Number), sql_ms: expect.any(Number), total_ms: expect.any(Number) });
  });

  it('paginates after fusion', async () => {
    const all = await run('salarié', { mode: 'hybrid', k: 10 });
    const page2 = await run('salarié', { mode: 'hybrid', k: 4, offset: 4 });
    expect(page2.data.map((h) => h.chunk_id)).toEqual(all.data.slice(4, 8).map((h) => h.chunk_id));
  });

  it('pages every mode out of one fused order (the page is looked up after ranking)', async () => {
    for (const mode of ['hybrid', 'lexical', 'vector'] as const) {
      const all = (await run('salarié congés', { mode, k: 9 })).data.map((h) => h.chunk_id);
      expect(all).toHaveLength(9);
      const pages = await Promise.all([0, 3, 6].map(async (offset) => (await run('salarié congés', { mode, k: 3, offset })).data.map((h) => h.chunk_id)));
      expect(pages.flat()).toEqual(all);
    }
  });

  it('filters inside both branches: collections, documents, metadata, dates, audience, in force', async () => {
    const sp = ids.collections.get('service-public')!;
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const inSp = await urls('salarié congés préavis', { mode, k: 50, filters: { collections: [sp] } });
      expect(inSp.length).toBeGreaterThan(0);
      expect(inSp.every((u) => u.includes('conges-payes') || u.includes('preavis-demission'))).toBe(true);
    }
    const doc = ids.documents.get('https://exemple.gouv.fr/prudhommes')!;
    expect(new Set(await urls('salarié', { mode: 'hybrid', filters: { documents: [doc] } }))).toEqual(new Set(['https://exemple.gouv.fr/prudhommes']));
    expect(new Set(await urls('salarié', { k: 50, filters: { metadata: { theme: 'paie' } } })).size).toBe(6);
    expect(await urls('salarié', { k: 50, filters: { metadata: { theme: { in: ['litige', 'depart'] } } } })).toHaveLength(2);
    expect(await urls('salarié conseil', { filters: { metadata: { tags: 'justice' } } })).toEqual(['https://exemple.gouv.fr/prudhommes']);
    expect(await urls('préavis licenciement', { k: 50, filters: { updated_after: '2021-01-01' } })).toEqual(
      expect.arrayContaining(['https://exemple.gouv.fr/article-preavis', 'https://exemple.gouv.fr/indemnite-licenciement']),
    );
    expect(await urls('préavis licenciement', { k: 50, filters: { updated_before: '2021-01-01' } })).toEqual(
      expect.arrayContaining(['https://exemple.gouv.fr/preavis-demission', 'https://exemple.gouv.fr/ancien-article']),
    );
    expect(new Set(await urls('préavis congés', { k: 50, mode: 'hybrid', filters: { audience: 'professionnels' } }))).toEqual(new Set(['https://exemple.gouv.fr/conges-payes']));
    const inForce = await urls('indemnité licenciement', { k: 50, filters: { in_force: true } });
    expect(inForce).toContain('https://exemple.gouv.fr/indemnite-licenciement');
    expect(inForce).not.toContain('https://exemple.gouv.fr/ancien-article');
    expect(await urls('indemnité licenciement', { filters: { in_force: false } })).toEqual(['https://exemple.gouv.fr/ancien-article']);
  });

  it('treats SQL in filter values and queries as plain data', async () => {
    const evil = "x'); DROP TABLE chunks; --";
    expect(await urls('salarié', { filters: { metadata: { theme: evil } } })).toEqual([]);
    expect(await urls('salarié', { filters: { audience: [evil] } })).toEqual([]);
    // index-boundary: not a write (an injection probe sent as a query)
    expect((await run(`salarié' OR 1=1; DELETE FROM documents; --`, { mode: 'hybrid' })).data.length).toBeGreaterThan(0);
    const { rows } = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM documents');
    expect(Number(rows[0]!.n)).toBe(ids.documents.size);
    await expect(run('salarié', { filters: { metadata: { "theme' OR '1'='1": 'x' } } })).rejects.toMatchObject({ code: 'INVALID_FILTERS', status: 400 });
  });

  it('restricts to the caller’s collections in both branches, whatever the filters ask', async () => {
    const sp = ids.collections.get('service-public')!;
    const general = ids.collections.get('general')!;
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const found = await urls('salarié prud’hommes congés', { mode, k: 50, allowedCollections: [sp] });
      expect(found.length).toBeGreaterThan(0);
      expect(found.every((u) => u.includes('conges-payes') || u.includes('preavis-demission'))).toBe(true);
      // asking for another collection by name or id: refused as if it did not exist
      for (const ref of [general, 'general']) {
        await expect(urls('salarié', { mode, allowedCollections: [sp], filters: { collections: [ref] } })).rejects.toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
      }
      expect(await urls('salarié', { mode, allowedCollections: [sp], filters: { collections: ['service-public'] } })).toEqual(await urls('salarié', { mode, allowedCollections: [sp] }));
    }
    expect(await urls('salarié', { allowedCollections: [] })).toEqual([]);
  });

  it('groups by document: each document once, at its best chunk, with its next chunks', async () => {
    const res = await run('congés payés report période', { group_by_document: true, k: 5 });
    const docs = res.data.map((h) => h.document.id);
    expect(new Set(docs).size).toBe(docs.length);
    const conges = res.data.find((h) => h.document.url.endsWith('conges-payes'))!;
    expect(conges.more!.length).toBe(2);
    expect(conges.score).toBeGreaterThanOrEqual(conges.more![0]!.score);
  });

  it('fuses documents, not chunks, when grouping hybrid results', async () => {
    const q = 'congés payés report maladie préavis';
    const docsOf = (r: { data: Array<{ document: { id: number } }> }) => [...new Set(r.data.map((h) => h.document.id))];
    const lex = docsOf(await run(q, { mode: 'lexical', k: 100 }));
    const vectorHits = (await run(q, { mode: 'vector', k: 100, debug: true })).data;
    const vec = docsOf({ data: vectorHits.filter((h) => h.ranks!.vector!.score >= vectorFloor(undefined, deps.embedder)) });
    const expected = reciprocalRankFusion([{ ids: lex }, { ids: vec }], 60);
    const res = await run(q, { mode: 'hybrid', k: 100, group_by_document: true });
    expect(res.data.map((h) => h.document.id)).toEqual(expected.map((e) => e.id));
    expect(res.data.map((h) => h.score)).toEqual(expected.map((e) => expect.closeTo(e.score, 10)));
  });

  it('reranks the fused head with the configured reranker', async () => {
    const reversed: Reranker = { id: 'test', rerank: async (_q, passages) => passages.map((_, i) => i) };
    const plain = await run('salarié', { mode: 'hybrid', k: 5 });
    const res = await searchWith({ ...deps, reranker: reversed, config: { ...config, SEARCH_RERANK_DEPTH: 5 } }, {
      query: 'salarié', mode: 'hybrid', k: 5, allowedCollections: null, debug: true,
    });
    expect(res.data.map((h) => h.chunk_id)).toEqual(plain.data.map((h) => h.chunk_id).reverse());
    expect(res.data[0]!.ranks!.rerank).toEqual({ rank: 1, score: 4 });
    expect(res.timings.rerank_ms).toEqual(expect.any(Number));
    expect(res.timings.rerank_ms).toBeLessThanOrEqual(res.timings.total_ms!);
    await expect(run('salarié', { rerank: true })).rejects.toMatchObject({ code: 'RERANKER_NOT_CONFIGURED', status: 400 });
  });

  it('refuses bad input with a 400 and a message', async () => {
    await expect(run('   ')).rejects.toMatchObject({ code: 'INVALID_SEARCH', status: 400, message: expect.stringMatching(/empty/) });
    await expect(run('a'.repeat(10 * 1024))).rejects.toMatchObject({ code: 'INVALID_SEARCH', status: 400 });
    await expect(run('salarié', { k: 0 })).rejects.toMatchObject({ code: 'INVALID_SEARCH', message: expect.stringMatching(/k/) });
    await expect(run('salarié', { k: 1000 })).rejects.toMatchObject({ code: 'INVALID_SEARCH' });
    await expect(run('salarié', { filters: { colour: 'red' } })).rejects.toMatchObject({ code: 'INVALID_FILTERS', message: expect.stringMatching(/colour/) });
    await expect(run('salarié', { filters: { updated_after: 'yesterday' } })).rejects.toMatchObject({ code: 'INVALID_FILTERS' });
  });

  it('refuses NUL and unpaired surrogates in the query and the filters with a 400, in every mode, where the database failed (500)', async () => {
    // the HTTP layer refuses them first; `cite search`, `cite eval` and stored evaluation runs search here directly
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      await expect(run('salarié\u0000congés', { mode }), mode).rejects.toMatchObject({ code: 'INVALID_SEARCH', status: 400, message: /^query: control/ });
      await expect(run('salarié \ud800', { mode }), mode).rejects.toMatchObject({ code: 'INVALID_SEARCH', status: 400 });
      for (const filters of [{ metadata: { theme: 'a\u0000b' } }, { audience: ['a\u0000b'] }, { collections: ['a\u0000b'] }, { metadata: { theme: { in: ['x', '\udc00'] } } }]) {
        await expect(run('salarié', { mode, filters }), JSON.stringify(filters)).rejects.toMatchObject({ code: 'INVALID_FILTERS', status: 400, message: /^filters\./ });
      }
    }
    // tabs and line breaks are ordinary whitespace
    await expect(run('salarié\tcongés\n')).resolves.toMatchObject({ data: expect.any(Array) });
  });

  it('refuses dates the calendar does not have with a 400, where the database would have failed (500)', async () => {
    for (const date of ['2024-02-30', '2023-02-29', '2023-06-31', '0000-01-01', '2024-13-01', '2024-01-31T24:30:00Z', '2024-01-31T12:00:00+25:00']) {
      await expect(run('salarié', { filters: { updated_after: date } }), date).rejects.toMatchObject({ code: 'INVALID_FILTERS', status: 400 });
      await expect(run('salarié', { filters: { updated_before: date } }), date).rejects.toMatchObject({ code: 'INVALID_FILTERS', status: 400 });
    }
    // real dates still filter: a leap day, a time with an offset
    for (const date of ['2024-02-29', '2000-02-29', '2024-01-31T12:00:00.5+01:00', '2024-01-31 23:59:59Z']) {
      await expect(run('salarié', { filters: { updated_after: date } }), date).resolves.toMatchObject({ data: expect.any(Array) });
    }
  });

  it('stores each posting with its BM25 impact (k1 1.2, b 0.75, context counted twice, length pivot 100)', async () => {
    // the reference, computed here from each chunk's tsvector: weight A marks the context, B the body
    const { rows } = await ctx.db.query<{ chunk_id: string; lexeme: string; weights: string[]; impact: number | null }>(
      `SELECT c.id AS chunk_id, u.lexeme, u.weights, p.impact
         FROM chunks c CROSS JOIN unnest(c.tsv) u
         LEFT JOIN search_postings p ON p.chunk_id = c.id AND p.lexeme = u.lexeme`,
    );
    const bodyLength = new Map<string, number>();
    for (const r of rows) bodyLength.set(r.chunk_id, (bodyLength.get(r.chunk_id) ?? 0) + r.weights.filter((w) => w !== 'A').length);
    let withContext = 0;
    for (const r of rows) {
      const tfContext = r.weights.filter((w) => w === 'A').length;
      const tf = 2 * tfContext + (r.weights.length - tfContext);
      const norm = 1.2 * (0.25 + (0.75 * Math.max(bodyLength.get(r.chunk_id)!, 1)) / 100);
      // a real comes back in its shortest decimal form: compared as the float4 it denotes
      expect(Math.fround(r.impact ?? NaN), `${r.lexeme} in chunk ${r.chunk_id}`).toBe(Math.fround((tf * 2.2) / (tf + norm)));
      if (tfContext > 0 && tfContext < r.weights.length) withContext++;
    }
    expect(rows.length).toBeGreaterThan(100);
    expect(withContext).toBeGreaterThan(0);
  });

  it('keeps term statistics right as chunks are updated and deleted', async () => {
    const df = async (lexeme: string) =>
      Number((await ctx.db.query<{ df: number }>('SELECT df FROM search_terms WHERE lexeme = $1', [lexeme])).rows[0]?.df ?? 0);
    const doc = ids.documents.get('https://exemple.gouv.fr/prudhommes')!;
    expect(await df('prud')).toBe(1);
    // every posting is one of its chunk's lexemes, with the impact its tsvector gives: none left behind
    const stalePostings = async () =>
      Number(
        (
          await ctx.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM search_postings s JOIN chunks c ON c.id = s.chunk_id
              WHERE NOT EXISTS (SELECT 1 FROM cite_chunk_postings(c.tsv) p WHERE p.lexeme = s.lexeme AND p.impact = s.impact)`,
          )
        ).rows[0]!.n,
      );
    expect(await stalePostings()).toBe(0);
    // rewritten through the index store, as a changed page would be
    const rewrite = (texts: string[]) =>
      seedDocuments(ctx.db, ids.embedder, [
        { collectionId: ids.collections.get('general')!, url: 'https://exemple.gouv.fr/prudhommes', title: 'Saisir le conseil', chunks: texts.map((text) => ({ text })) },
      ]);
    expect(await rewrite(['Le médiateur règle le litige à l’amiable.'])).toEqual([doc]);
    expect(await df('prud')).toBe(0);
    expect(await df('mediateur')).toBe(1);
    expect(await urls('médiateur')).toEqual(['https://exemple.gouv.fr/prudhommes']);
    expect(await urls('prud’hommes', { mode: 'lexical' })).toEqual([]);
    expect(await stalePostings()).toBe(0);
    // the unchanged chunk keeps its row and moves: its terms are not counted twice
    await rewrite(['Une audience de conciliation précède le jugement.', 'Le médiateur règle le litige à l’amiable.']);
    expect(await df('mediateur')).toBe(1);
    expect(await markDocumentsDeleted(ctx.db, [doc])).toBe(1);
    expect(await df('mediateur')).toBe(0);
    expect(await urls('médiateur')).toEqual([]);
    const { rows } = await ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM search_postings p WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = p.chunk_id)');
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('leaves the vector branch out, saying why, when the index holds another model’s vectors', async () => {
    await ctx.db.query(
      `INSERT INTO settings (key, value) VALUES ('embedding', '{"id":"multilingual-e5-small","dimension":384}')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    resetSearchStatistics(ctx.db);
    try {
      const res = await run('préavis de démission', { mode: 'hybrid', debug: true });
      expect(res.data.length).toBeGreaterThan(0);
      expect(res.data.every((h) => h.ranks?.vector === null)).toBe(true);
      expect(res.warnings).toEqual([{ code: 'EMBEDDING_MODEL_MISMATCH', message: expect.stringMatching(/cite reembed/) }]);
      await expect(run('préavis', { mode: 'vector' })).rejects.toMatchObject({ code: 'EMBEDDING_MODEL_MISMATCH', status: 409 });
      expect((await run('préavis', { mode: 'lexical' })).warnings).toBeUndefined();
    } finally {
      await ctx.db.query(`DELETE FROM settings WHERE key = 'embedding'`);
      resetSearchStatistics(ctx.db);
    }
    const again = await run('préavis de démission', { mode: 'hybrid', debug: true });
    expect(again.warnings).toBeUndefined();
    expect(again.data.some((h) => h.ranks?.vector !== null)).toBe(true);
  });

  it('updates every chunk at once in linear time (reembed empties all embeddings in one statement)', async () => {
    // 0030's update trigger joined its transition tables with a nested loop: 4,000 rows took ~30 s.
    // a re-embedding with another model of the same dimension drops the HNSW index and empties every vector in
    // one statement: here the 4,000 chunks are written meanwhile (cheaply, no index), then the model changes back
    class OtherModel extends HashEmbedder {
      override readonly id = 'hash-other-model';
    }
    const other = new OtherModel();
    expect(await reembed(ctx.db, other, { maxBatches: 0 })).toMatchObject({ resized: false, complete: false });
    await seedDocuments(ctx.db, other, [
      {
        collectionId: ids.collections.get('general')!,
        url: 'https://exemple.gouv.fr/volume',
        title: 'Volume',
        chunks: Array.from({ length: 4000 }, (_, g) => ({ text: `Article ${g + 1} du règlement intérieur de la commission`, context: '' })),
      },
    ]);
    const withVectors = async () => (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE embedding IS NOT NULL')).rows[0]!.n;
    expect(await withVectors()).toBe(4000);
    const dfBefore = (await ctx.db.query<{ df: number }>(`SELECT df FROM search_terms WHERE lexeme = 'commiss'`)).rows[0]!.df;
    expect(dfBefore).toBeGreaterThanOrEqual(4000);
    const started = Date.now();
    expect(await reembed(ctx.db, ids.embedder, { maxBatches: 0 })).toMatchObject({ resized: false, complete: false, chunks: 0 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await withVectors()).toBe(0);
    // the text did not change: the term statistics neither
    expect((await ctx.db.query<{ df: number }>(`SELECT df FROM search_terms WHERE lexeme = 'commiss'`)).rows[0]!.df).toBe(dfBefore);
  }, 120_000);

  // The statement returns heading paths as JSON and dates as ISO text (hybrid-sql.ts): what a hit carries is what
  // node-postgres' text[] and timestamptz parsers, then Date.toISOString(), made of them.
  it('returns heading paths and dates as written, whatever characters and precision they hold', async () => {
    const headingPath = ['Titre « I » : "quotes", virgules, {accolades}', 'NULL', 'barre \\ oblique', ''];
    const general = ids.collections.get('general')!;
    const written = await seedDocuments(ctx.db, ids.embedder, [
      {
        collectionId: general,
        url: 'https://exemple.gouv.fr/horodatage',
        title: 'Horodatage',
        modifiedAt: '2024-02-29T23:59:59.999999+01:00',
        fetchedAt: '1999-12-31 23:00:00.0005+00',
        chunks: [{ text: 'Le quorum zygomorphe du comité se vérifie.', headingPath }],
      },
      // without a modification date: the date the index last wrote the document
      { collectionId: general, url: 'https://exemple.gouv.fr/sans-date', title: 'Sans date', chunks: [{ text: 'Le quorum xénomorphe.' }] },
    ]);
    for (const mode of ['lexical', 'hybrid'] as const) {
      const hit = (await run('quorum zygomorphe', { mode, k: 1 })).data[0]!;
      expect(hit.document.id).toBe(written[0]);
      expect(hit.heading_path).toEqual(headingPath);
      expect(hit.document.updated_at).toBe('2024-02-29T22:59:59.999Z');
      expect(hit.document.fetched_at).toBe('1999-12-31T23:00:00.000Z');
    }
    const { rows } = await ctx.db.query<{ updated_at: Date }>('SELECT updated_at FROM documents WHERE id = $1', [written[1]]);
    const undated = (await run('quorum xénomorphe', { k: 1 })).data[0]!;
    expect(undated.document.id).toBe(written[1]);
    expect(undated.document.updated_at).toBe(new Date(rows[0]!.updated_at).toISOString());
    await markDocumentsDeleted(ctx.db, written);
  });
});

import { expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import type { Database, Queryable } from '@cite/core/db/database.js';
import type { CiteError } from '@cite/core/errors.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { EvalItemInput } from './eval-sets-import.js';
import { createItem, createSet, importJsonl, listSets, upsertItems } from './eval-sets-repo.js';

const item = (id: string, question = `Question ${id} ?`): EvalItemInput => ({
  external_id: id,
  question,
  phrasings: [`${question} (autrement)`, 'l’autre, avec "guillemets"'],
  gold: [{ url: `https://exemple.gouv.fr/${id}`, grade: 3 }],
  expected_answer: null,
});

/** A file of `n` one-line questions (the shape of the import that held the embedded database 28 s). */
const jsonl = (n: number, id = (i: number) => `q${i}`, question = (i: number) => `question numéro ${i} sur le congé`) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: id(i), query: question(i), gold: [{ url: `https://exemple.gouv.fr/p${i}`, grade: 1 }] })).join('\n');

/** Rows of eval_items the current transaction has read (its own counters: no other session's reads). */
async function rowsRead(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ n: string }>(
    `SELECT COALESCE(sum(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0)::bigint AS n FROM pg_stat_xact_user_tables WHERE relname = 'eval_items'`,
  );
  return Number(rows[0]!.n);
}

/**
 * The database, counting the statements its transactions run (they are real) and the rows of eval_items
 * they read: a statement per item held the embedded database 21 s for 60,000 items, and batches that each
 * read the whole set 28 s for 200,000, every search waiting.
 */
function observed(db: Database): { db: Database; seen: { transactions: number; statements: number; rowsRead: number } } {
  const seen = { transactions: 0, statements: 0, rowsRead: 0 };
  const proxy = new Proxy(db, {
    get: (target, key, receiver) =>
      key === 'transaction'
        ? <T>(fn: (tx: Queryable) => Promise<T>) =>
            target.transaction(async (tx) => {
              seen.transactions++;
              const before = await rowsRead(tx);
              const result = await fn({ query: (sql: Parameters<Queryable['query']>[0], params?: readonly unknown[]) => (seen.statements++, tx.query(sql, params)) } as Queryable);
              seen.rowsRead += (await rowsRead(tx)) - before;
              return result;
            })
        : Reflect.get(target, key, receiver),
  });
  return { db: proxy, seen };
}

describeEachDatabase('evaluation items written by import', (ctx) => {
  it('writes a large file by batches: every item once, new ones numbered in file order, a re-import updating in place', async () => {
    const set = await createSet(ctx.db, { name: 'gros import', origin: 'import' });
    const first = Array.from({ length: 4_203 }, (_, i) => item(`q${i}`)); // two batches and a bit
    const { db: counted, seen } = observed(ctx.db);
    expect(await upsertItems(counted, set.id, first)).toEqual({ created: 4_203, updated: 0, unchanged: 0 });
    expect(seen.statements).toBe(6); // the set's lock, the next position, three batches, the set's date

    // again, with one question changed in each batch and new items among known ones
    const again = [...first];
    for (const i of [3, 2_600, 4_100]) again[i] = item(`q${i}`, `Question ${i} reformulée ?`);
    again.splice(2_700, 0, item('new-a'));
    again.push(item('new-b'));
    expect(await upsertItems(ctx.db, set.id, again)).toEqual({ created: 2, updated: 3, unchanged: 4_200 });

    const { rows } = await ctx.db.query<{ external_id: string; position: number; question: string; phrasings: string[]; gold: unknown }>(
      `SELECT external_id, position, question, phrasings, gold FROM eval_items WHERE set_id = $1 ORDER BY position`,
      [set.id],
    );
    expect(rows).toHaveLength(4_205);
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    expect(rows.slice(0, 4_203).map((r) => r.external_id)).toEqual(first.map((f) => f.external_id));
    expect(rows.slice(4_203).map((r) => r.external_id)).toEqual(['new-a', 'new-b']);
    expect(rows[2_600]).toEqual({
      external_id: 'q2600',
      position: 2_600,
      question: 'Question 2600 reformulée ?',
      phrasings: ['Question 2600 reformulée ? (autrement)', 'l’autre, avec "guillemets"'],
      gold: [{ url: 'https://exemple.gouv.fr/q2600', grade: 3 }],
    });
  });

  it('refuses a file of more questions than the limit, whole, before writing anything', async () => {
    const { db, seen } = observed(ctx.db);
    const refused = (p: Promise<unknown>) => p.then(() => expect.fail('imported'), (e: CiteError) => e);

    // the configured limit (blank lines are not questions)
    const over = await refused(importJsonl(db, { content: `${jsonl(4)}\n\n`, name: 'quatre', maxItems: 3 }));
    expect(over).toMatchObject({ code: 'EVAL_IMPORT_TOO_MANY_ITEMS', status: 413, details: { lines: 4, max: 3 } });
    expect(over.message).toMatch(/holds 4 questions; an import takes at most 3 \(EVAL_IMPORT_MAX_ITEMS\)/);
    expect(over.message).toMatch(/raise EVAL_IMPORT_MAX_ITEMS/);
    expect((await importJsonl(ctx.db, { content: `\n${jsonl(3)}\n\n`, name: 'trois', maxItems: 3 })).created).toBe(3);

    // into an existing set: nothing added, nothing changed
    const existing = await importJsonl(ctx.db, { content: jsonl(2), name: 'existant' });
    const into = await refused(importJsonl(db, { content: jsonl(5, (i) => `q${i}`, () => 'changée'), setId: existing.set.id, maxItems: 4 }));
    expect(into).toMatchObject({ code: 'EVAL_IMPORT_TOO_MANY_ITEMS' });
    const { rows } = await ctx.db.query<{ question: string }>(`SELECT question FROM eval_items WHERE set_id = $1 ORDER BY position`, [existing.set.id]);
    expect(rows.map((r) => r.question)).toEqual(['question numéro 0 sur le congé', 'question numéro 1 sur le congé']);

    // by default, EVAL_IMPORT_MAX_ITEMS's default, with skip_invalid or not
    const max = CONFIG_DEFAULTS.EVAL_IMPORT_MAX_ITEMS;
    const big = `${jsonl(max)}\n${JSON.stringify({ id: 'one-more', query: 'une de trop', gold: [{ url: 'https://exemple.gouv.fr/x', grade: 1 }] })}`;
    expect(await refused(importJsonl(db, { content: big, name: 'trop', skipInvalid: true }))).toMatchObject({ code: 'EVAL_IMPORT_TOO_MANY_ITEMS', details: { lines: max + 1, max } });
    expect(seen.transactions).toBe(0);
    expect((await listSets(ctx.db, { sort: 'id', order: 'ASC', limit: 100, offset: 0 })).rows.map((s) => s.name)).toEqual(
      expect.not.arrayContaining(['quatre', 'trop']),
    );
  });

  it('writes an import of the largest size allowed in one transaction of a dozen statements, reading about as many rows as it writes', async () => {
    const n = CONFIG_DEFAULTS.EVAL_IMPORT_MAX_ITEMS;
    /**
     * Rows an import of n items may read: a few per item (the known row it updates, the new ones renumbered),
     * and whatever plan the statistics lead to, the table once or twice; not the set grown so far at each
     * batch (390,000 rows for 20,000 new items, ~1,000,000 again into that set), nor at each item.
     */
    const tableRows = async () => (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM eval_items`)).rows[0]!.n;
    const readable = async () => 2 * n + 2 * (await tableRows());
    const { db, seen } = observed(ctx.db);
    let bound = await readable();
    const created = await importJsonl(db, { content: jsonl(n), name: 'le plus grand' });
    expect(created).toMatchObject({ created: n, set: { item_count: n } });
    expect(seen.transactions).toBe(1);
    // the new set, its lock, its next position, one statement per 2,000 items, its date: not one per item or per 500
    expect(seen.statements).toBeLessThanOrEqual(4 + Math.ceil(n / 2_000) + 1);
    expect(seen.rowsRead).toBeLessThanOrEqual(bound);

    // again into that set: half the questions new, a third of the others changed
    Object.assign(seen, { transactions: 0, statements: 0, rowsRead: 0 });
    bound = await readable();
    const id = (i: number) => `q${i % 2 ? i : i + n}`;
    const again = await importJsonl(db, { content: jsonl(n, id, (i) => `question numéro ${i}${i % 3 ? '' : ' (revue)'}`), setId: created.set.id });
    expect(again).toMatchObject({ created: n / 2, updated: expect.any(Number), set: { item_count: n + n / 2 } });
    expect(again.updated + again.unchanged).toBe(n / 2);
    expect(seen.statements).toBeLessThanOrEqual(3 + Math.ceil(n / 2_000) + 2);
    expect(seen.rowsRead).toBeLessThanOrEqual(bound);
    const { rows } = await ctx.db.query<{ external_id: string; position: number }>(`SELECT external_id, position FROM eval_items WHERE set_id = $1 ORDER BY position`, [created.set.id]);
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    expect(rows.slice(n).map((r) => r.external_id)).toEqual(Array.from({ length: n / 2 }, (_, k) => `q${2 * k + n}`));
  });

  it('numbers the items of imports and additions into one set at once one after the other, each position once', async () => {
    const set = await createSet(ctx.db, { name: 'à plusieurs', origin: 'import' });
    const files = ['a', 'b', 'c'].map((p) => jsonl(3_000, (i) => `${p}${i}`));
    await Promise.all([
      ...files.map((content) => importJsonl(ctx.db, { content, setId: set.id })),
      createItem(ctx.db, set.id, item('seul-1')),
      createItem(ctx.db, set.id, item('seul-2')),
    ]);
    const { rows } = await ctx.db.query<{ external_id: string; position: number }>(`SELECT external_id, position FROM eval_items WHERE set_id = $1 ORDER BY position, id`, [set.id]);
    expect(rows).toHaveLength(9_002);
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    // each import's items together, in file order
    for (const p of ['a', 'b', 'c']) {
      const mine = rows.filter((r) => /^[abc]\d/.test(r.external_id) && r.external_id.startsWith(p));
      expect(mine.map((r) => r.external_id)).toEqual(Array.from({ length: 3_000 }, (_, i) => `${p}${i}`));
      expect(mine.at(-1)!.position - mine[0]!.position).toBe(2_999);
    }
  });
});

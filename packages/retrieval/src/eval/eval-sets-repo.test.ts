import { expect, it } from 'vitest';
import type { Queryable } from '@cite/core/db/database.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import type { EvalItemInput } from './eval-sets-import.js';
import { createSet, upsertItems } from './eval-sets-repo.js';

const item = (id: string, question = `Question ${id} ?`): EvalItemInput => ({
  external_id: id,
  question,
  phrasings: [`${question} (autrement)`, 'l’autre, avec "guillemets"'],
  gold: [{ url: `https://exemple.gouv.fr/${id}`, grade: 3 }],
  expected_answer: null,
});

describeEachDatabase('evaluation items written by import', (ctx) => {
  it('writes a large file by batches: every item once, new ones numbered in file order, a re-import updating in place', async () => {
    const set = await createSet(ctx.db, { name: 'gros import', origin: 'import' });
    const first = Array.from({ length: 1_203 }, (_, i) => item(`q${i}`)); // three batches and a bit
    // the statements the import ran (they are real): a statement per item held the embedded database
    // 21 s for 60,000 items, every search waiting
    let statements = 0;
    const counted = new Proxy(ctx.db, {
      get: (target, key, receiver) =>
        key === 'transaction'
          ? <T>(fn: (tx: Queryable) => Promise<T>) =>
              target.transaction((tx) => fn({ query: (sql: Parameters<Queryable['query']>[0], params?: readonly unknown[]) => (statements++, tx.query(sql, params)) } as Queryable))
          : Reflect.get(target, key, receiver),
    });
    expect(await upsertItems(counted, set.id, first)).toEqual({ created: 1_203, updated: 0, unchanged: 0 });
    expect(statements).toBe(5); // the next position, three batches, the set's date

    // again, with one question changed in each batch and new items among known ones
    const again = [...first];
    for (const i of [3, 600, 1_100]) again[i] = item(`q${i}`, `Question ${i} reformulée ?`);
    again.splice(700, 0, item('new-a'));
    again.push(item('new-b'));
    expect(await upsertItems(ctx.db, set.id, again)).toEqual({ created: 2, updated: 3, unchanged: 1_200 });

    const { rows } = await ctx.db.query<{ external_id: string; position: number; question: string; phrasings: string[]; gold: unknown }>(
      `SELECT external_id, position, question, phrasings, gold FROM eval_items WHERE set_id = $1 ORDER BY position`,
      [set.id],
    );
    expect(rows).toHaveLength(1_205);
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    expect(rows.slice(0, 1_203).map((r) => r.external_id)).toEqual(first.map((f) => f.external_id));
    expect(rows.slice(1_203).map((r) => r.external_id)).toEqual(['new-a', 'new-b']);
    expect(rows[600]).toEqual({
      external_id: 'q600',
      position: 600,
      question: 'Question 600 reformulée ?',
      phrasings: ['Question 600 reformulée ? (autrement)', 'l’autre, avec "guillemets"'],
      gold: [{ url: 'https://exemple.gouv.fr/q600', grade: 3 }],
    });
  });
});

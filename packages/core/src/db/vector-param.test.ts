import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { namedStatement } from './database.js';
import { VectorArrayParam } from './vector-param.js';

describeEachDatabase('VectorArrayParam', (ctx) => {
  it('arrives as the vectors it holds, in order (sent in binary)', async () => {
    const vectors = [
      Float32Array.from([0.5, -0.25, 0.125]),
      Float32Array.from([1e-3, 0.333333, -1]),
      Float32Array.from([0, 0, 0.75]),
    ];
    const { rows } = await ctx.db.query<{ n: number; v: string; dims: number }>(
      `SELECT n::int, v::text AS v, vector_dims(v) AS dims FROM unnest($1::vector[]) WITH ORDINALITY AS u(v, n) ORDER BY n`,
      [new VectorArrayParam(vectors)],
    );
    expect(rows.map((r) => Number(r.n))).toEqual([1, 2, 3]);
    expect(rows.every((r) => Number(r.dims) === 3)).toBe(true);
    const back = rows.map((r) => r.v.slice(1, -1).split(',').map(Number));
    back.forEach((v, i) => v.forEach((x, k) => expect(x).toBeCloseTo(vectors[i]![k]!, 6)));
  });

  it('goes into a dimension-checked column, and a wrong dimension is refused', async () => {
    // one transaction: a temporary table belongs to one connection of the pool
    await ctx.db.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE vp (id int, e vector(2)) ON COMMIT DROP');
      await tx.query('INSERT INTO vp SELECT n, v FROM unnest($1::vector[]) WITH ORDINALITY AS u(v, n)', [
        new VectorArrayParam([Float32Array.from([1, 0]), Float32Array.from([0, 1])]),
      ]);
      const { rows } = await tx.query<{ id: number }>('SELECT id FROM vp WHERE e <=> $1::vector < 1e-6', ['[0,1]']);
      expect(rows.map((r) => Number(r.id))).toEqual([2]);
    });
    await expect(
      ctx.db.query('SELECT v::vector(2) FROM unnest($1::vector[]) AS u(v)', [new VectorArrayParam([Float32Array.from([1, 2, 3])])]),
    ).rejects.toThrow(/dimensions/);
  });

  it('runs a named statement again and again with new parameters', async () => {
    const stmt = namedStatement('vector_param_test_sum', 'SELECT sum(vector_dims(v))::int AS n FROM unnest($1::vector[]) AS u(v)');
    for (let k = 1; k <= 7; k++) {
      const { rows } = await ctx.db.query<{ n: number }>(stmt, [new VectorArrayParam(Array.from({ length: k }, () => new Float32Array(4)))]);
      expect(Number(rows[0]!.n)).toBe(4 * k);
    }
  });
});

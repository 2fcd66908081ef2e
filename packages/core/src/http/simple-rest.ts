/**
 * react-admin "simple REST" list conventions, parsed once for every admin collection:
 * `?sort=["field","ASC"]&range=[0,24]&filter={"q":"…"}` → `{ sort, order, offset, limit, filter }`;
 * the answer is a JSON array with a `Content-Range: <resource> <start>-<end>/<total>` header.
 */
import type { Response } from 'express';
import { z } from 'zod';
import { badRequest } from '../errors.js';

export interface ListParams<F> {
  sort: string;
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
  filter: F;
}

const MAX_PAGE = 500;

const jsonParam = (name: string) =>
  z
    .string()
    .max(10_000)
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be JSON` });
        return z.NEVER;
      }
    });

/**
 * Query schema for a list route. `sortable` whitelists sort columns (they end up in ORDER BY, so they are
 * never taken from the request as-is); `filter` validates the filter object (strict: unknown keys → 400).
 */
export function listQuery<F extends z.ZodType>(sortable: readonly [string, ...string[]], filter: F, defaultSort: [string, 'ASC' | 'DESC'] = [sortable[0], 'DESC']) {
  return z
    .object({
      sort: jsonParam('sort').pipe(z.tuple([z.enum(sortable), z.enum(['ASC', 'DESC', 'asc', 'desc'])])).optional(),
      range: jsonParam('range').pipe(z.tuple([z.number().int().min(0), z.number().int().min(0)])).optional(),
      filter: jsonParam('filter').pipe(filter).optional(),
    })
    .transform((q): ListParams<z.infer<F>> => {
      const [start, end] = q.range ?? [0, 24];
      if (end < start) throw badRequest('INVALID_RANGE', 'range end must be ≥ start');
      return {
        sort: q.sort?.[0] ?? defaultSort[0],
        order: ((q.sort?.[1] ?? defaultSort[1]).toUpperCase() as 'ASC' | 'DESC'),
        offset: start,
        limit: Math.min(end - start + 1, MAX_PAGE),
        filter: (q.filter ?? filter.parse({})) as z.infer<F>,
      };
    });
}

export function sendList(res: Response, resource: string, rows: unknown[], total: number, offset: number): void {
  const end = rows.length ? offset + rows.length - 1 : offset;
  res.setHeader('Content-Range', `${resource} ${offset}-${end}/${total}`);
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range');
  res.json(rows);
}

/** `filter.id` may be one id or a list (getMany). */
export const idsFilter = z.union([z.coerce.number().int(), z.array(z.coerce.number().int()).max(MAX_PAGE)]).optional();

/**
 * A record id in a path: a positive integer written in decimal. `z.coerce.number()` also read "0x1f4", "1e3"
 * and " 5" as numbers, so one record answered to many spellings of its id.
 */
export const idParams = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'expected a positive integer id')
    .transform(Number)
    .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER)),
});

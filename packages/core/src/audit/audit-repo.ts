/**
 * SQL of the audit_log table. Audit entries are append-only, except aggregated refusals: one line per client
 * address, reason, key and hour whose count grows. URLs in entries are stored with their credentials redacted.
 */
import type { Queryable } from '../db/database.js';
import { redactUrl, redactUrlsIn } from '../http/redact-url.js';

export interface AuditEntry {
  actorKeyId?: number | null;
  actorName?: string | null;
  action: string;
  targetType?: string;
  targetId?: string | number;
  before?: unknown;
  after?: unknown;
  ip?: string;
  requestId?: string;
}

export async function recordAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_key_id, actor_name, action, target_type, target_id, before, after, ip, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      e.actorKeyId ?? null,
      e.actorName ?? null,
      e.action,
      e.targetType ?? null,
      e.targetId === undefined ? null : redactUrl(String(e.targetId)),
      e.before === undefined ? null : JSON.stringify(redactUrlsIn(e.before)),
      e.after === undefined ? null : JSON.stringify(redactUrlsIn(e.after)),
      e.ip ?? null,
      e.requestId ?? null,
    ],
  );
}

/** Refused requests of one client address, reason and key are counted on one line per this period. */
export const REFUSAL_WINDOW_MS = 3_600_000;

/**
 * Records a refused request (`auth.refused.<reason>`) on the line of its address, reason, key and hour: the
 * first refusal inserts it, the next ones add to its count and keep the latest route and request id in
 * `after`. A flood of bad keys costs one line per address and hour, not one per request.
 */
export async function recordRefusal(
  db: Queryable,
  r: { reason: string; ip: string; keyId?: number | null; route: string; requestId?: string },
  now = Date.now(),
): Promise<void> {
  const windowStart = Math.floor(now / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS;
  const windowKey = `auth.refused:${r.reason}:${r.ip}:${r.keyId ?? '-'}:${new Date(windowStart).toISOString()}`;
  await db.query(
    `INSERT INTO audit_log AS a (actor_key_id, action, target_type, target_id, after, ip, request_id, count, window_key)
     VALUES ($1, $2, 'route', $3, jsonb_build_object('last_at', now(), 'last_route', $3::text), $4, $5, 1, $6)
     ON CONFLICT (window_key) DO UPDATE SET
       count = a.count + 1,
       after = jsonb_build_object('last_at', now(), 'last_route', $3::text, 'last_request_id', $5::text)`,
    [r.keyId ?? null, `auth.refused.${r.reason}`, redactUrl(r.route), r.ip, r.requestId ?? null, windowKey],
  );
}

export interface AuditRow {
  id: number;
  at: string;
  actor_key_id: number | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
  /** Refusals an aggregated line stands for; 1 otherwise. */
  count: number;
  window_key: string | null;
}

export async function listAudit(
  db: Queryable,
  /** actorsWithin: only entries by keys limited to a subset of these collections (a limited admin's view). */
  opts: { limit: number; offset: number; order: 'ASC' | 'DESC'; action?: string; actorKeyId?: number; actorsWithin?: number[] | null },
): Promise<{ rows: AuditRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (opts.actorsWithin) {
    params.push(opts.actorsWithin);
    conds.push(`actor_key_id IN (SELECT id FROM api_keys WHERE collections IS NOT NULL AND collections <@ $${params.length}::bigint[])`);
  }
  if (opts.action) {
    params.push(opts.action);
    conds.push(`action = $${params.length}`);
  }
  if (opts.actorKeyId !== undefined) {
    params.push(opts.actorKeyId);
    conds.push(`actor_key_id = $${params.length}`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${where}`, params);
  const { rows } = await db.query<AuditRow>(
    `SELECT * FROM audit_log ${where} ORDER BY at ${opts.order}, id ${opts.order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, opts.limit, opts.offset],
  );
  return { rows, total: total.rows[0]!.n };
}

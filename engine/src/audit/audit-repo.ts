/** SQL of the audit_log table. Audit entries are append-only. */
import type { Queryable } from '../db/database.js';

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
      e.targetId === undefined ? null : String(e.targetId),
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.ip ?? null,
      e.requestId ?? null,
    ],
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
}

export async function listAudit(
  db: Queryable,
  opts: { limit: number; offset: number; order: 'ASC' | 'DESC'; action?: string; actorKeyId?: number },
): Promise<{ rows: AuditRow[]; total: number }> {
  const conds: string[] = [];
  const params: unknown[] = [];
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

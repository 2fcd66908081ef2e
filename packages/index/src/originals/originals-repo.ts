/**
 * SQL of the document_originals table (migration 0180): the bytes of documents that come from files,
 * content-addressed by SHA-256. The one place that reads and writes it. A document holds its original
 * through `documents.original_sha256` (written with the document, packages/index/src/documents-repo.ts);
 * database triggers drop an original with the last document holding it, and `sweepUnreferencedOriginals`
 * (run by the retention purge) ends those a failed write or two concurrent deletions left behind.
 */
import crypto from 'node:crypto';
import type { Queryable } from '@cite/core/db/database.js';

export interface Original {
  data: Buffer;
  contentType: string;
}

export interface StoredOriginal {
  sha256: string;
  contentType: string;
  byteSize: number;
  data: Buffer;
}

export const sha256Of = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Stores the bytes unless the same content is stored already (then they are not sent again); returns
 * their SHA-256, the value of `documents.original_sha256`.
 */
export async function storeOriginal(db: Queryable, original: Original, sha256 = sha256Of(original.data)): Promise<string> {
  const { rows } = await db.query('SELECT 1 FROM document_originals WHERE sha256 = $1', [sha256]);
  if (rows.length) return sha256;
  await db.query(
    `INSERT INTO document_originals (sha256, content_type, byte_size, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (sha256) DO NOTHING`,
    [sha256, original.contentType, original.data.length, original.data],
  );
  return sha256;
}

/**
 * An active document within `collections` (null = every collection) with its original: null when the
 * document does not exist, is deleted or lies in another collection; `original` null when it kept none
 * (a fetched page, or a file indexed before originals were kept).
 */
export async function documentWithOriginal(
  db: Queryable,
  documentId: number,
  collections: readonly number[] | null,
): Promise<{ url: string; title: string; original: StoredOriginal | null } | null> {
  const { rows } = await db.query<{ url: string; title: string; sha256: string | null; content_type: string; byte_size: string; data: Buffer | null }>(
    `SELECT d.url, d.title, o.sha256, o.content_type, o.byte_size, o.data
       FROM documents d LEFT JOIN document_originals o ON o.sha256 = d.original_sha256
      WHERE d.id = $1 AND d.status = 'active' AND ($2::bigint[] IS NULL OR d.collection_id = ANY($2::bigint[]))`,
    [documentId, collections],
  );
  const r = rows[0];
  if (!r) return null;
  const original = r.sha256 && r.data ? { sha256: r.sha256, contentType: r.content_type, byteSize: Number(r.byte_size), data: Buffer.from(r.data) } : null;
  return { url: r.url, title: r.title, original };
}

/**
 * Deletes originals no document holds, stored more than `minAgeMinutes` ago (younger ones may belong to a
 * document being written right now). Returns how many went.
 */
export async function sweepUnreferencedOriginals(db: Queryable, minAgeMinutes = 60): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM document_originals o
      WHERE o.created_at < now() - make_interval(mins => $1::int)
        AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.original_sha256 = o.sha256)`,
    [minAgeMinutes],
  );
  return rowCount;
}

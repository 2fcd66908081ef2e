/**
 * The console's documents screens: list with search and filters, one document, its chunks, delete
 * (the document leaves search at once). Admin only; a key limited to some collections sees only those.
 */
import { z } from 'zod';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { documentLink } from '@cite/index/originals/document-links.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { appEmbedder } from '@cite/core/embeddings/app-embedder.js';
import { ensureEmbeddingModel } from '@cite/core/embeddings/embedding-model-record.js';
import { reembedDocument } from '@cite/index/reembed.js';
import {
  CHUNK_SORTABLE,
  DOCUMENT_SORTABLE,
  deleteDocument,
  getDocument,
  listChunks,
  listDocuments,
} from './documents-sql.js';


const documentFilter = z
  .object({
    id: idsFilter,
    q: z.string().max(500).optional(),
    source_id: z.coerce.number().int().optional(),
    collection_id: z.coerce.number().int().optional(),
    status: z.enum(['active', 'deleted', 'error']).optional(),
    format: z.string().max(50).optional(),
  })
  .strict();

const chunkFilter = z.object({ id: idsFilter, document_id: z.coerce.number().int().optional() }).strict();

/**
 * `url` stays the document's identity (for a file, the file:// path it was read from: what tells an admin
 * which file it is, and what re-ingesting it updates); `link` is what a reader opens (document-links.ts).
 */
const withLink = <D extends { id: number; url: string }>(doc: D, publicUrl: string | undefined): D & { link: string } => ({
  ...doc,
  link: documentLink(doc, publicUrl),
});

const notFound = (id: number) => new CiteError('DOCUMENT_NOT_FOUND', `No document with id ${id}`, { status: 404 });

export const documentsRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/documents',
    access: 'admin',
    summary: 'List documents (filters: q on title and URL, source_id, collection_id, status, format)',
    tags: ['admin', 'documents'],
    query: listQuery(DOCUMENT_SORTABLE, documentFilter, ['id', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listDocuments(app.db, { ...query, collections: caller!.collections });
      sendList(res, 'documents', rows.map((d) => withLink(d, app.config.PUBLIC_URL)), total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/documents/:id',
    access: 'admin',
    summary: 'One document with its metadata',
    tags: ['admin', 'documents'],
    params: idParams,
    handler: async ({ app, params, caller }) => {
      const doc = await getDocument(app.db, params.id, caller!.collections);
      if (!doc) throw notFound(params.id);
      return withLink(doc, app.config.PUBLIC_URL);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/documents/:id',
    access: 'admin',
    summary: 'Delete a document: it leaves search at once (its chunks are removed, the record stays marked deleted)',
    tags: ['admin', 'documents'],
    params: idParams,
    handler: async ({ app, params, caller, audit }) => {
      const before = await getDocument(app.db, params.id, caller!.collections);
      if (!before) throw notFound(params.id);
      await deleteDocument(app.db, params.id);
      const after = (await getDocument(app.db, params.id, caller!.collections))!;
      await audit({
        action: 'document.delete',
        targetType: 'document',
        targetId: params.id,
        before: { url: before.url, status: before.status, chunk_count: before.chunk_count },
        after: { status: after.status },
      });
      return after;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/documents/:id/reindex',
    access: 'admin',
    summary: "Re-embed a document's chunks with the configured embedding model (its text stays as indexed)",
    tags: ['admin', 'documents'],
    params: idParams,
    body: z.object({}).strict().optional(),
    handler: async ({ app, params, caller, audit }) => {
      const doc = await getDocument(app.db, params.id, caller!.collections);
      if (!doc) throw notFound(params.id);
      if (doc.status === 'deleted') throw new CiteError('DOCUMENT_DELETED', `Document ${params.id} is deleted`, { status: 409 });
      const embedder = await appEmbedder(app);
      await ensureEmbeddingModel(app.db, embedder); // refuses a model other than the recorded one
      const chunks = await reembedDocument(app.db, embedder, params.id);
      await audit({
        action: 'document.reindex',
        targetType: 'document',
        targetId: params.id,
        after: { chunks, model: embedder.id },
      });
      return { ...(await getDocument(app.db, params.id, caller!.collections)), reindexed_chunks: chunks };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/chunks',
    access: 'admin',
    summary: "List chunks (filter document_id): text, heading path, locator, token count",
    tags: ['admin', 'documents'],
    query: listQuery(CHUNK_SORTABLE, chunkFilter, ['ord', 'ASC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listChunks(app.db, { ...query, collections: caller!.collections });
      sendList(res, 'chunks', rows, total, query.offset);
    },
  }),
];

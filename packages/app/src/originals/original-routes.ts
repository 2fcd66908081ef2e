/**
 * GET /v1/documents/:id/original: the kept bytes of a document from a file (issue 19), for any key that
 * reaches the document's collection: another collection's key gets 404 as if it did not exist, no key 401.
 * Served so that nothing in it runs on the engine's origin (serving-headers.ts).
 */
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idParams } from '@cite/core/http/simple-rest.js';
import { documentWithOriginal } from '@cite/index/originals/originals-repo.js';
import { servingPlan } from './serving-headers.js';

export const originalRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/documents/:id/original',
    access: 'agent',
    summary: "A document's original file (uploads, cite ingest, server files), as stored; PDFs and images inline, the rest as attachments",
    tags: ['documents'],
    params: idParams,
    raw: true,
    handler: async ({ app, params, caller, req, res }) => {
      const doc = await documentWithOriginal(app.db, params.id, caller!.collections);
      if (!doc) throw new CiteError('DOCUMENT_NOT_FOUND', `No document with id ${params.id}`, { status: 404 });
      if (!doc.original) {
        throw new CiteError(
          'ORIGINAL_NOT_KEPT',
          /^https?:/i.test(doc.url)
            ? `Document ${params.id} was fetched from the web: open ${doc.url}`
            : `Document ${params.id} was indexed before originals were kept: ingest its file again`,
          { status: 404 },
        );
      }
      const etag = `"${doc.original.sha256}"`;
      const plan = servingPlan(doc.original.contentType, doc.url);
      // Express writes the file name (RFC 6266, UTF-8 names included); PDFs and images then open in place
      res.attachment(plan.fileName);
      if (plan.inline) res.set('Content-Disposition', res.get('Content-Disposition')!.replace(/^attachment/, 'inline'));
      res.set(plan.headers);
      res.set({ ETag: etag, 'Cache-Control': 'private, max-age=3600' });
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      res.set('Content-Length', String(doc.original.data.length));
      res.status(200).end(doc.original.data);
    },
  }),
];

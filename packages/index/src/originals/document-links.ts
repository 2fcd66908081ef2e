/**
 * The address a reader opens for a document. A fetched page is opened where it was fetched (its URL);
 * a document from a file (its identity is a `file:` URL the engine made: uploads, `cite ingest`, server
 * files) is opened through the engine, which keeps its original: `/v1/documents/:id/original`, absolute
 * on PUBLIC_URL when set. A `file:` path never leaves the engine: nobody else can open it, and it tells
 * the server's folders. The stored identity stays the file path (re-ingesting a file updates the same
 * document); only what readers see changes. Every place that shows a document's URL to a reader (search
 * hits, citations, the console) goes through here; page and passage fragments (#page=N, #:~:text=) are
 * added on top of it.
 */
export const originalPath = (documentId: number | string): string => `/v1/documents/${documentId}/original`;

/** True for a link to the engine's copy of a file (relative, or absolute on PUBLIC_URL), with or without a fragment. */
export const isOriginalLink = (url: string): boolean => /\/v1\/documents\/[^/?#]+\/original(?:[?#]|$)/.test(url);

export const isEngineMadeUrl = (url: string): boolean => /^file:/i.test(url);

export function documentLink(doc: { id: number | string; url: string }, publicUrl?: string): string {
  if (!isEngineMadeUrl(doc.url)) return doc.url;
  const path = originalPath(doc.id);
  if (!publicUrl) return path;
  // a PUBLIC_URL with a path (https://host/cite) keeps it
  return new URL(path.slice(1), publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`).href;
}

/**
 * Citations as readers open them. Answers stored before originals were kept cite a file by its `file:`
 * identity: read back, they point at the engine's copy instead (their link, made from that identity,
 * too). Newer citations pass unchanged.
 */
export function readerCitations<C extends { document_id: number | string; url: string; link?: string }>(citations: C[], publicUrl?: string): C[] {
  return citations.map((c) => {
    if (!isEngineMadeUrl(c.url)) return c;
    const url = documentLink({ id: c.document_id, url: c.url }, publicUrl);
    return { ...c, url, ...(c.link !== undefined ? { link: url + (c.link.includes('#') ? c.link.slice(c.link.indexOf('#')) : '') } : {}) };
  });
}

/**
 * Cité's tools for Model Context Protocol hosts: search, answer, get_document, list_collections. Each
 * tool calls the service its HTTP route calls, with the caller's collection rights, so a key limited to
 * some collections reaches exactly what it reaches through /v1 (another collection's document is
 * "not found", its name an unknown collection). Failures are tool results with `isError` and the
 * API's `CODE: message`, which hosts show to the model and the user.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { getDocument, listChunks } from '../admin/documents-sql.js';
import { answerService, askingAs } from '@cite/retrieval/answers/app-answers.js';
import { MAX_QUESTION_CHARS } from '@cite/retrieval/answers/answer-service.js';
import { askBody } from '@cite/retrieval/answers/answers-routes.js';
import type { Caller } from '@cite/core/auth/roles.js';
import { readableCollections } from '../collections/readable-collections.js';
import { CiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { documentLink } from '@cite/index/originals/document-links.js';
import { MAX_K, MAX_QUERY_CHARS } from '@cite/retrieval/search/search-schema.js';
import { search } from '@cite/retrieval/search/search-service.js';

export interface ToolContext {
  app: AppContext;
  caller: Caller;
  /** Aborted when the HTTP client goes away or the request times out. */
  signal: AbortSignal;
  log: Logger;
}

/** Passages of a document returned per get_document call; `offset` pages through longer ones. */
export const DOCUMENT_PAGE = 200;

const collectionsInput = z
  .array(z.union([z.number().int().positive(), z.string().trim().min(1).max(200)]))
  .min(1)
  .max(100)
  .optional()
  .describe('Only these collections, by name or id (see list_collections); default: every collection the key may read');

export function registerCiteTools(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    'search',
    {
      title: 'Search the sources',
      description:
        'Hybrid search (keywords + meaning) over the indexed official sources. Returns passages with their document title, link, heading path and locator. Use get_document to read a whole document.',
      inputSchema: {
        query: z.string().trim().min(1, 'the query is empty').max(MAX_QUERY_CHARS).describe('What to look for, in natural language'),
        collections: collectionsInput,
        k: z.number().int().min(1).max(MAX_K).optional().describe(`Passages to return (1-${MAX_K}, default 10)`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => run(ctx, 'search', () => searchTool(ctx, args)),
  );
  server.registerTool(
    'answer',
    {
      title: 'Answer from the sources, with citations',
      description:
        'Answers a question from the indexed official sources only (with web: true, for keys allowed to, internet pages too, each cited with origin web). Every claim carries a [n] marker; the citations list gives for each n the title, link (opened at the quote) and the verbatim quote. Declines (abstained) when the sources do not cover the question.',
      inputSchema: {
        question: z.string().trim().min(1, 'the question is empty').max(MAX_QUESTION_CHARS).describe('The question, in any language (French sources)'),
        collections: collectionsInput,
        web: askBody.shape.web,
      },
      // open world: with web: true it reads pages an internet search found
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) => run(ctx, 'answer', () => answerTool(ctx, args)),
  );
  server.registerTool(
    'get_document',
    {
      title: 'Read a document',
      description: `One indexed document by id (from search results or citations): title, link, text, and its passages with heading paths and locators (page, anchor). Long documents come ${DOCUMENT_PAGE} passages at a time: pass next_offset as offset.`,
      inputSchema: {
        id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('The document id (document.id of a search result, document_id of a citation)'),
        offset: z.number().int().min(0).optional().describe('Passages to skip (from next_offset)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => run(ctx, 'get_document', () => documentTool(ctx, args)),
  );
  server.registerTool(
    'list_collections',
    {
      title: 'List the collections',
      description: 'The collections this key may read, with their descriptions and document counts; their names filter search and answer.',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => run(ctx, 'list_collections', () => collectionsTool(ctx)),
  );
}

/** A tool's outcome: a readable text for the model, the same data as structured content for programs. */
interface ToolOutput {
  text: string;
  data: Record<string, unknown>;
}

async function run(ctx: ToolContext, tool: string, fn: () => Promise<ToolOutput>): Promise<CallToolResult> {
  try {
    const { text, data } = await fn();
    return { content: [{ type: 'text', text }], structuredContent: data };
  } catch (e) {
    const known = e instanceof CiteError;
    if (!known || e.status >= 500) ctx.log.error({ err: e, tool }, 'mcp tool failed');
    const text = known ? `${e.code}: ${e.message}` : 'INTERNAL: Internal error; the engine logs have the details';
    return { content: [{ type: 'text', text }], isError: true };
  }
}

const filtersOf = (collections: Array<string | number> | undefined) => (collections ? { collections } : undefined);

async function searchTool(ctx: ToolContext, args: { query: string; collections?: Array<string | number>; k?: number }): Promise<ToolOutput> {
  const result = await search(ctx.app, {
    query: args.query,
    k: args.k,
    filters: filtersOf(args.collections),
    allowedCollections: ctx.caller.collections,
    signal: ctx.signal,
  });
  const results = result.data.map((hit, i) => ({
    rank: i + 1,
    chunk_id: hit.chunk_id,
    text: hit.text,
    heading_path: hit.heading_path,
    locator: hit.locator,
    score: hit.score,
    document: { id: hit.document.id, title: hit.document.title, url: hit.document.url, updated_at: hit.document.updated_at },
  }));
  const lines = results.map((r) =>
    [`[${r.rank}] ${r.document.title} — ${r.document.url} (document ${r.document.id})`, r.heading_path.length ? `    ${r.heading_path.join(' › ')}` : '', `    ${r.text}`]
      .filter(Boolean)
      .join('\n'),
  );
  const warnings = (result.warnings ?? []).map((w) => `(${w.code}: ${w.message})`);
  const text = results.length ? [...warnings, ...lines].join('\n\n') : [...warnings, 'No passage matches this query in the collections this key may read.'].join('\n');
  return { text, data: { results, ...(result.warnings ? { warnings: result.warnings } : {}) } };
}

async function answerTool(ctx: ToolContext, args: { question: string; collections?: Array<string | number>; web?: boolean }): Promise<ToolOutput> {
  const svc = await answerService(ctx.app);
  const result = await svc.ask({
    question: args.question,
    filters: filtersOf(args.collections),
    signal: ctx.signal,
    ...(await askingAs(ctx.app, ctx.caller, args.web)),
  });
  const citations = result.citations.map((c) => ({
    n: c.n,
    title: c.title,
    url: c.url,
    link: c.link,
    quote: c.quote,
    locator: c.locator,
    heading_path: c.heading_path,
    document_id: Number(c.document_id),
    chunk_id: Number(c.chunk_id),
    origin: c.origin ?? 'index',
  }));
  const sources = citations.map((c) => `[${c.n}] ${c.title}${c.origin === 'web' ? ' (internet)' : ''} — ${c.link || c.url}\n    « ${c.quote} »`);
  // a web fault fell back to the indexed sources: the host is told, as /v1/answers tells its caller
  const warnings = (result.warnings ?? []).map((w) => `(${w.code}: ${w.message})`);
  const text = [...warnings, result.answer, ...(sources.length ? ['Sources :', ...sources] : [])].join('\n\n');
  return {
    text,
    data: {
      id: result.id,
      answer: result.answer,
      citations,
      abstained: result.abstained,
      ...(result.abstain_reason ? { abstain_reason: result.abstain_reason } : {}),
      ...(result.warnings?.length ? { warnings: result.warnings } : {}),
      mode: result.mode,
    },
  };
}

async function documentTool(ctx: ToolContext, args: { id: number; offset?: number }): Promise<ToolOutput> {
  const doc = await getDocument(ctx.app.db, args.id, ctx.caller.collections);
  // a deleted document has left search: readers see it as gone, as they do another collection's
  if (!doc || doc.status === 'deleted') throw new CiteError('DOCUMENT_NOT_FOUND', `No document with id ${args.id}`, { status: 404 });
  const offset = args.offset ?? 0;
  const { rows, total } = await listChunks(ctx.app.db, {
    filter: { document_id: doc.id },
    sort: 'ord',
    order: 'ASC',
    offset,
    limit: DOCUMENT_PAGE,
    collections: ctx.caller.collections,
  });
  const passages = rows.map((c) => ({ chunk_id: c.id, heading_path: c.heading_path, locator: c.locator, text: c.text }));
  const link = documentLink(doc, ctx.app.config.PUBLIC_URL);
  const next = offset + rows.length < total ? offset + rows.length : undefined;
  const body = passages.map((p) => (p.heading_path.length ? `## ${p.heading_path.join(' › ')}\n${p.text}` : p.text)).join('\n\n');
  const text = [`# ${doc.title}`, link, body, ...(next !== undefined ? [`(passages ${offset + 1}-${next} of ${total}: call again with offset ${next})`] : [])].join('\n\n');
  return {
    text,
    data: {
      id: doc.id,
      title: doc.title,
      url: link,
      collection: doc.collection,
      lang: doc.lang,
      format: doc.format,
      modified_at: doc.modified_at,
      text: passages.map((p) => p.text).join('\n\n'),
      passages,
      total_passages: total,
      ...(next !== undefined ? { next_offset: next } : {}),
    },
  };
}

async function collectionsTool(ctx: ToolContext): Promise<ToolOutput> {
  const collections = await readableCollections(ctx.app.db, ctx.caller.collections);
  const text = collections.length
    ? collections.map((c) => `${c.name} (id ${c.id}, ${c.documents} documents)${c.description ? `: ${c.description}` : ''}`).join('\n')
    : 'This key may read no collection yet.';
  return { text, data: { collections } };
}

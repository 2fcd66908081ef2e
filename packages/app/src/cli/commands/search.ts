/**
 * `cite search "<query>" [--k N] [--mode hybrid|lexical|vector] [--collection NAME|ID…] [--filters JSON] [--json]`.
 * `--json` prints exactly the POST /v1/search response. Talks to the running engine when there is one
 * (it holds the embedded database), otherwise opens the database itself.
 */
import type { Command } from 'commander';
import { badRequest } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { SEARCH_MODES, searchBodySchema, type SearchBody, type SearchResponse } from '@cite/retrieval/search/search-schema.js';
import { search } from '@cite/retrieval/search/search-service.js';
import { callEngine, cliConfig, emptyIndexNotice, remoteEngine, withDatabase } from '../cli-context.js';
import { searchAnswerShape } from '../engine-answer-shapes.js';
import { addCollectionOption, withCollections } from '../collection-option.js';
import { terminalLine } from '../terminal-text.js';
import { cliLogger } from './ingest.js';

interface SearchOptions {
  k?: string;
  offset?: string;
  mode?: string;
  filters?: string;
  collection?: string[];
  groupByDocument?: boolean;
  rerank?: boolean;
  debug?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('search')
    .description('Search the indexed sources (hybrid BM25 + vectors)')
    .argument('<query>', 'the query, in quotes')
    .option('--k <n>', 'results to return (1-100)', '10')
    .option('--offset <n>', 'results to skip')
    .option('--mode <mode>', SEARCH_MODES.join(' | '), 'hybrid');
  addCollectionOption(command)
    .option('--filters <json>', 'filters as JSON, e.g. \'{"collections":["travail"],"audience":"particuliers"}\'')
    .option('--group-by-document', 'each document once, with its best chunks')
    .option('--rerank', 'apply the configured reranker')
    .option('--debug', 'per-branch ranks and scores')
    .option('--json', 'print the /v1/search response as JSON')
    .action(async (query: string, opts: SearchOptions) => {
      const body = searchRequest(query, opts);
      const result = await runSearch(body);
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : formatResults(result, Boolean(opts.debug)));
    });
}

/** Builds and validates the request body exactly as the HTTP route would. */
export function searchRequest(query: string, opts: SearchOptions): SearchBody {
  let filters: unknown;
  if (opts.filters) {
    try {
      filters = JSON.parse(opts.filters);
    } catch {
      throw badRequest('INVALID_FILTERS', '--filters must be a JSON object');
    }
    if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) throw badRequest('INVALID_FILTERS', '--filters must be a JSON object');
  }
  filters = withCollections(filters as Record<string, unknown> | undefined, opts.collection);
  const raw = {
    query,
    k: opts.k === undefined ? undefined : Number(opts.k),
    offset: opts.offset === undefined ? undefined : Number(opts.offset),
    mode: opts.mode,
    filters,
    group_by_document: opts.groupByDocument || undefined,
    rerank: opts.rerank || undefined,
    debug: opts.debug || undefined,
  };
  const parsed = searchBodySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const code = issue.path[0] === 'filters' ? 'INVALID_FILTERS' : 'INVALID_SEARCH';
    throw badRequest(code, `${issue.path.join('.') || 'query'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Searches through the running engine if any, else in-process over the configured database. */
export async function runSearch(body: SearchBody): Promise<SearchResponse> {
  const cfg = cliConfig();
  const engine = remoteEngine(cfg);
  if (engine) return callEngine<SearchResponse>(engine, 'POST', '/v1/search', body, { shape: searchAnswerShape });
  return withDatabase(async (db) => {
    const notice = await emptyIndexNotice(db, cfg);
    if (notice) process.stderr.write(`${notice}\n`);
    const app: AppContext = { db, config: cfg, log: cliLogger(cfg, 'search'), services: new Map() };
    return search(app, { ...body, allowedCollections: null });
  });
}

function formatResults(result: SearchResponse, debug: boolean): string {
  if (result.data.length === 0) return 'No results.\n';
  const lines: string[] = [];
  result.data.forEach((h, i) => {
    // titles, headings and text come from indexed pages: printed as text, never as terminal controls
    lines.push(`${i + 1}. ${terminalLine(h.document.title || '(untitled)')} — ${terminalLine(h.document.url)}`);
    const where = h.heading_path.length ? `   ${terminalLine(h.heading_path.join(' > '))}\n` : '';
    const text = terminalLine(h.text.replace(/\s+/g, ' '));
    lines.push(`${where}   ${text.length > 240 ? `${text.slice(0, 240)}…` : text}`);
    const ranks = h.ranks
      ? `  lexical ${h.ranks.lexical ? `#${h.ranks.lexical.rank} (${h.ranks.lexical.score.toFixed(3)})` : '-'}, vector ${h.ranks.vector ? `#${h.ranks.vector.rank} (${h.ranks.vector.score.toFixed(3)})` : '-'}`
      : '';
    lines.push(`   score ${h.score.toFixed(4)}${debug ? ranks : ''}`);
  });
  lines.push(`(${Object.entries(result.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return `${lines.join('\n')}\n`;
}

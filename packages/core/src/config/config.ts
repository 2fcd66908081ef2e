/**
 * Configuration: every environment variable Cité reads is declared here, once, with its default.
 * Values come from the environment, then from an optional JSON config file (`CITE_CONFIG=path`),
 * environment winning. An invalid value stops the process with a message naming the variable.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { CiteError } from '../errors.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `expected a whole number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `expected a whole number between ${min} and ${max}` });
const num = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { message: `expected a number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `expected a number between ${min} and ${max}` });
const url = z.string().url({ message: 'expected a URL such as http://host:port/v1' });
/** Express `trust proxy`: false, a hop count, or addresses/CIDRs/keywords (never `true`: any client could then pick its address). */
export type TrustProxy = false | number | string[];
const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
function isProxyAddress(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [addr, bits, ...rest] = entry.split('/');
  const family = net.isIP(addr ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) ? Number(bits) <= (family === 4 ? 32 : 128) : family === 4 && net.isIPv4(bits);
}
const trustProxy = z
  .string()
  .refine((v) => /^(false|0|\d+)$/.test(v.trim()) || v.split(',').every((e) => isProxyAddress(e.trim())), {
    message: 'expected false, a number of proxy hops, or proxy addresses/CIDRs separated by commas (10.0.0.5, 10.1.0.0/16, loopback)',
  })
  .transform((v): TrustProxy => {
    const t = v.trim();
    if (t === 'false' || t === '0') return false;
    if (/^\d+$/.test(t)) return Number(t);
    return t.split(',').map((e) => e.trim());
  });

function isLoopbackUrl(v: string): boolean {
  try {
    const host = new URL(v).hostname.replace(/^\[|\]$/g, '');
    // an address, not a name that merely starts with 127. (127.0.0.1.example.org)
    return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
  } catch {
    return false;
  }
}

export const configSchema = z.object({
  /** PostgreSQL server URL; when absent, the embedded database (PGlite) under DATA_DIR is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'expected postgres://user:password@host:port/database' })
    .optional(),
  /** Where embedded data (database, models cache, uploads) lives. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Embedded database only: its buffer cache in MB (16 to 1024), resident from the start. Unset: half the database's size when it opens (a new one: 16 MB), up to 512 MB and an eighth of the memory, so that a grown index's search indexes stay in memory. */
  EMBEDDED_SHARED_BUFFERS_MB: int(16, 1024).optional(),
  /** HTTP port of the engine. */
  PORT: int(0, 65535).default(8080),
  /** Interface the engine listens on. */
  HOST: z.string().default('0.0.0.0'),
  /** The engine's public address (https://cite.example.gouv.fr, behind a proxy); links to kept originals in citations are absolute on it, else root-relative. */
  PUBLIC_URL: z
    .string()
    .url({ message: 'expected the http(s) address the engine is reached at, such as https://cite.example.gouv.fr' })
    .refine((v) => /^https?:\/\//i.test(v), { message: 'expected an http(s) URL' })
    .optional(),
  /** Size of a process's pg pool (server mode), which runs every statement but the search statement of the unfiltered shape: that one keeps its generic plan (plan_cache_mode is a session setting) on connections of its own, pipelined, one per statement DATABASE_MAX_ACTIVE lets run. Idle pooled connections close after 10 s. */
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  /** Statements in flight at the database per process; 0 follows the machine (one per core, at least 2; 1 embedded). PostgreSQL's throughput falls once more backends run than it has cores: raise it for a database on a bigger machine than the engine's. */
  DATABASE_MAX_ACTIVE: int(0, 200).default(0),
  /** Server: statements a connection of the hot search statement holds at once, one running and the others sent behind it, so that its backend finds the next one as it finishes (db/pipelined-connections.ts). They count for one in DATABASE_MAX_ACTIVE. 1: one at a time. */
  DATABASE_PIPELINE_DEPTH: int(1, 16).default(2),
  /** Requests that may wait for their turn at the database, served oldest request first (a started request finishes before newer ones begin); one more is refused at once with 503 DATABASE_BUSY and Retry-After. Background work always waits, behind requests. */
  DATABASE_QUEUE_MAX: int(1, 100_000).default(256),
  /** How long (ms) a request waits for its turn at the database before 503 DATABASE_BUSY. */
  DATABASE_QUEUE_TIMEOUT_MS: int(100, 600_000).default(15_000),

  /** `hash` | `transformers:<model>` | `openai:<model>` */
  EMBEDDINGS: z
    .string()
    .regex(/^(hash|transformers:.+|openai:.+)$/, {
      message: 'expected hash, transformers:<model> or openai:<model>',
    })
    .default('hash'),
  /** OpenAI-compatible `/v1/embeddings` server (Albert API, vLLM, TEI, Ollama). */
  EMBEDDINGS_BASE_URL: url.optional(),
  /** API key of the embeddings server (sent as a Bearer token). */
  EMBEDDINGS_API_KEY: z.string().optional(),
  /** Local models directory (air-gapped installs); when set, no download is attempted. */
  MODELS_DIR: z.string().optional(),
  /** Allow downloading local models from the Hugging Face hub when not found in MODELS_DIR. */
  MODELS_ALLOW_DOWNLOAD: bool.default(false),
  /** When the local model cannot be loaded: use the hash embedder with a warning (true) or stop (false). */
  EMBEDDINGS_FALLBACK_TO_HASH: bool.default(true),
  /** OpenAI-compatible embeddings server: per-request timeout (ms). */
  EMBEDDINGS_TIMEOUT_MS: int(100, 600000).default(30000),
  /** OpenAI-compatible embeddings server: retries on 429, 5xx and network errors, with backoff. */
  EMBEDDINGS_MAX_RETRIES: int(0, 10).default(4),
  /** OpenAI-compatible embeddings server: texts sent per request. */
  EMBEDDINGS_BATCH_SIZE: int(1, 2048).default(64),
  /** Chunk size in tokens of the embedding model's tokenizer. */
  CHUNK_TOKENS: int(32, 4096).default(350),
  /** Tokens shared by two consecutive chunks of a section. */
  CHUNK_OVERLAP_TOKENS: int(0, 512).default(40),

  /** OpenAI-compatible chat server (Albert API, vLLM, Ollama, Mistral); unset = extractive answers. */
  LLM_BASE_URL: url.optional(),
  /** API key of the chat server (sent as a Bearer token). */
  LLM_API_KEY: z.string().optional(),
  /** Chat model name, as the server knows it. */
  LLM_MODEL: z.string().optional(),
  /** Chat model call timeout (ms); of a streamed answer, the longest wait for its first words and between two pieces of text (keep-alives do not count). */
  LLM_TIMEOUT_MS: int(1000, 600000).default(60000),
  /** Longest a streamed answer may run in all (ms), however steadily its words arrive. */
  LLM_STREAM_MAX_MS: int(10000, 3600000).default(600000),
  /** Chat model call retries on 429, 5xx and network errors, with backoff. */
  LLM_MAX_RETRIES: int(0, 10).default(2),
  /** Longest answer the chat model may write, in tokens (sent as max_tokens). Cité reads at most 8 characters a token of it: a server that ignores max_tokens is cut off there (LLM_ANSWER_TOO_LONG). */
  LLM_MAX_TOKENS: int(64, 32768).default(1024),
  /** Answers: passages retrieved for the model. */
  ANSWER_K: int(1, 50).default(8),
  /** Answers: share of the question's weighted key terms (rare topic words weigh most) one passage must hold, else Cité declines. Higher declines more off-topic questions and more oddly worded on-topic ones. */
  ANSWER_MIN_COVERAGE: num(0, 1).default(0.5),
  /** Answers: how strongly (normalised BM25, 0–1) one passage must be about those terms, not just mention them, for an answer on lexical evidence alone. Lower answers more of both kinds (on- and off-topic), higher declines more of both. Without vector evidence (ANSWER_SEARCH_MODE=lexical, or an embedder with no ANSWER_MIN_SIMILARITY) it is the only strength test: 0.48 gave bench:abstain declined 0.83 / answered 0.89, 0.55 declines more. */
  ANSWER_MIN_STRENGTH: num(0, 1).default(0.55),
  /** Answers: the lower strength that suffices for a passage the vector branch confirms (similarity ≥ ANSWER_MIN_SIMILARITY). With the hash embedder, 0.55 alone or 0.40 confirmed: bench:abstain declined 0.907 / answered 0.898 before ANSWER_MIN_TOPIC_WORDS (0.48 alone: 0.827 / 0.886). Lower answers more keyword-style on-topic questions and more off-topic ones. */
  ANSWER_CONFIRMED_STRENGTH: num(0, 1).default(0.4),
  /** Answers: cosine similarity with the question that confirms a passage. Unset: 0.40 with the hash embedder (chance is 0 ± 0.05, on-topic best passages ~0.5), none with other embedders (their scale is not measured: strength alone decides). */
  ANSWER_MIN_SIMILARITY: num(-1, 1).optional(),
  /** Answers: topic words of the question (those the index knows) one passage must hold together, fewer when the question has fewer. 2: a passage holding only the question's rarest word (« médiation » of « médiation familiale ») does not suffice; bench:abstain declined 0.893 → 0.920, answered unchanged. 1 turns the rule off. */
  ANSWER_MIN_TOPIC_WORDS: int(1, 5).default(2),
  /** Answers: lowest support score (0–1) of a cited passage for its sentence; below it the sentence is listed as not supported. */
  ANSWER_SUPPORT_THRESHOLD: num(0, 1).default(0.5),
  /** Search mode of answer retrieval: hybrid (default), or lexical when time to first byte matters more than the vector branch's recall. */
  ANSWER_SEARCH_MODE: z.enum(['hybrid', 'lexical', 'vector']).default('hybrid'),
  /** Optional LLM judge of evaluation runs (any OpenAI-compatible server); defaults to LLM_BASE_URL. */
  EVAL_JUDGE_BASE_URL: url.optional(),
  /** API key of the judge's server; defaults to LLM_API_KEY. */
  EVAL_JUDGE_API_KEY: z.string().optional(),
  /** Judge model; defaults to LLM_MODEL. */
  EVAL_JUDGE_MODEL: z.string().optional(),
  /** Evaluation runs: a running run whose runner stopped beating for this long is taken over and resumed. */
  EVAL_RUN_STALE_MS: int(1000, 3600000).default(60000),
  /** Times a run may be interrupted by a dying runner before it is marked failed (its partial results kept). */
  EVAL_RUN_MAX_ATTEMPTS: int(1, 100).default(3),
  /** Questions (non-blank lines) one evaluation set import may hold; a larger file is refused whole (413 EVAL_IMPORT_TOO_MANY_ITEMS), nothing written: import it in parts into the same set, or raise this. An import is written in one transaction, which holds the embedded database (one connection) while it runs: 20,000 one-line questions hold it under 1 s (2 cores); 200,000 held it 28 s, and searches waiting meanwhile failed with 503 DATABASE_BUSY. 20,000 is more than the largest usual IR test sets (MS MARCO dev: 6,980 queries), and a set of that size already takes hours to run. */
  EVAL_IMPORT_MAX_ITEMS: int(1, 1_000_000).default(20_000),

  /** Identifying user agent with a contact URL, also the name matched in robots.txt (checked on every redirect target, and on the requests a rendered page makes to its own site, before they are sent) and in X-Robots-Tag. */
  CRAWLER_USER_AGENT: z
    .string()
    .min(3)
    .default('CiteBot/0.1 (+https://github.com/cite-gouv/cite; crawler of a public-sector search engine)'),
  /** Allow crawling private, loopback and link-local addresses (refused by default, checked after DNS and each redirect). */
  CRAWLER_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /** URLs one worker fetches and processes at once. */
  CRAWLER_CONCURRENCY: int(1, 256).default(8),
  /** Requests in flight to one host, across all workers. */
  CRAWLER_PER_HOST_CONCURRENCY: int(1, 16).default(2),
  /** Crawled chunks whose vectors may wait outside the HNSW index (idle workers index them; each vector search scans them: ~0.6 µs each on a PostgreSQL server, ~1 µs embedded); above it, crawls index their vectors as they write; 0 = never wait. Unset: 5,000 on a PostgreSQL server, 20,000 on the embedded database (where scanning 20,000 costs about one HNSW search). */
  CRAWLER_VECTOR_BACKLOG_MAX: int(0, 1000000).optional(),
  /** Crawled chunks whose BM25 postings may wait outside the postings index (idle workers write them; each lexical search reads the waiting chunks that hold its words, ~1 to 4 µs each); above it, crawls write postings as they write chunks; 0 = never wait. Unset: 5,000. */
  CRAWLER_POSTINGS_BACKLOG_MAX: int(0, 1000000).optional(),
  /** Time budget of one whole response (ms). */
  CRAWLER_TIMEOUT_MS: int(100, 600000).default(30000),
  /** Time budget to connect to a site (ms). */
  CRAWLER_CONNECT_TIMEOUT_MS: int(100, 120000).default(10000),
  /** Largest response body read (bytes); a larger one is refused. */
  CRAWLER_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  /** Crawler workers heartbeat this often (ms). */
  CRAWLER_HEARTBEAT_MS: int(100, 600000).default(2000),
  /** A worker silent for this long (ms) is presumed dead (kill -9) and its URLs are requeued; a crawl no worker beat for this long (at least 6 s) is taken over by the next worker, or resumed by `cite crawl` of its source. */
  CRAWLER_STALE_AFTER_MS: int(500, 3600000).default(30000),
  /** Browser used to render JavaScript-only pages (render mode auto/always). */
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  /** Hosts or globs crawl targets are restricted to (comma separated); empty = no restriction. */
  OUTBOUND_ALLOW: z.string().default(''),
  /** Server directories (absolute, comma separated) whose files sources may read, judged on real paths (symlinks resolved); empty = sources read no server file. `cite ingest <path>` is not confined. */
  FILES_ROOTS: z
    .string()
    .default('')
    .refine((v) => v.split(',').map((s) => s.trim()).filter(Boolean).every((d) => path.isAbsolute(d)), {
      message: 'expected absolute directories separated by commas',
    }),

  /** Internet search provider: `searxng` (self-hosted, JSON format enabled) or `brave` (Brave Search API); empty = web search off. */
  WEB_SEARCH_PROVIDER: z.enum(['searxng', 'brave']).optional(),
  /** Web search endpoint: the SearXNG instance (required for searxng), or another Brave API address than the public one. */
  WEB_SEARCH_URL: url.optional(),
  /** API key of the web search provider (required for brave; sent as X-Subscription-Token). */
  WEB_SEARCH_API_KEY: z.string().optional(),
  /** Host globs result pages must match (`*.gouv.fr,*.europa.eu`), checked on every redirect; empty = any public host. */
  WEB_SEARCH_ALLOWED_DOMAINS: z.string().default(''),
  /** Result pages fetched and read per question. */
  WEB_SEARCH_MAX_PAGES: int(1, 20).default(3),
  /** Time budget of one call to the web search provider (ms). */
  WEB_SEARCH_TIMEOUT_MS: int(100, 120000).default(10000),
  /** Time budget to fetch one result page (ms), redirects included. */
  WEB_SEARCH_PAGE_TIMEOUT_MS: int(100, 120000).default(10000),
  /** Largest result page read (bytes); a larger one is skipped with a warning. */
  WEB_SEARCH_MAX_PAGE_BYTES: int(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Hours a fetched result page is re-used before it is fetched again. */
  WEB_SEARCH_FRESH_HOURS: int(0, 8760).default(24),

  /** Largest file accepted by ingestion (bytes). */
  INGEST_MAX_FILE_BYTES: int(1024, 4 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
  /** Most pages read from one PDF; a longer PDF is refused (PDF_TOO_MANY_PAGES). */
  INGEST_MAX_PDF_PAGES: int(1, 100000).default(2000),
  /** PDF-bomb guard: most bytes a PDF's compressed streams (images aside) may inflate to before it is read; more is refused (PDF_TOO_COMPLEX). */
  INGEST_PDF_MAX_DECOMPRESSED_BYTES: int(1024 * 1024, 4 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  /** DOCX-bomb guard: most bytes a DOCX's XML parts may unpack to; more is refused (DOCX_TOO_LARGE). 32 MB is a Word file of ~8,000 pages of text. */
  INGEST_DOCX_MAX_XML_BYTES: int(64 * 1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  /** Time budget to extract one document (ms). */
  INGEST_EXTRACT_TIMEOUT_MS: int(100, 3600000).default(60000),
  /** Zip-bomb guard: most bytes unpacked from one archive. */
  INGEST_ZIP_MAX_TOTAL_BYTES: int(1024, 64 * 1024 * 1024 * 1024).default(2 * 1024 * 1024 * 1024),
  /** Zip-bomb guard: highest unpacked/packed size ratio of an archive entry. */
  INGEST_ZIP_MAX_RATIO: int(2, 100000).default(200),
  /** Zip-bomb guard: most entries in one archive. */
  INGEST_ZIP_MAX_ENTRIES: int(1, 10000000).default(100000),

  /** Comma-separated origins allowed by CORS; empty = same origin only. */
  CORS_ORIGINS: z.string().default(''),
  /** Requests per minute per API key, counted in the database: shared by every engine replica (each reserves them by blocks of a twentieth). Also the budget per client address of console sign-ins (/auth/login and /auth/callback, which have no key). */
  RATE_LIMIT_PER_MINUTE: int(1, 1000000).default(600),
  /** Requests per minute per client address refused for a missing or bad key; past it, the address gets 429 (before any key lookup) until the minute ends. IPv6 addresses count per /56. */
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: int(1, 1000000).default(60),
  /** Proxies whose X-Forwarded-For gives the client address (Express `trust proxy`): `false` (the connecting address is the client's), a number of proxy hops, or the proxies' addresses/CIDRs (`10.0.0.5, 10.1.0.0/16`; `loopback`, `linklocal`, `uniquelocal`). */
  TRUST_PROXY: trustProxy.default(false),
  /** Bearer token that opens GET /metrics to a Prometheus scraper (an admin API key opens it too); unset = admin keys only. At least 16 characters. */
  METRICS_TOKEN: z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  /** Per-request timeout (ms), streams excepted; a request body must be in within it (plus 5 s), an upload's may take longer while it keeps arriving (no byte for this long closes it). */
  REQUEST_TIMEOUT_MS: int(1000, 3600000).default(120000),
  /** Largest accepted JSON body (`512kb`, `1mb`…); larger requests get 413. */
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, { message: 'expected a size such as 1mb' }).default('1mb'),

  /** OpenID Connect provider (ProConnect: https://auth.agentconnect.gouv.fr/api/v2, or its integration twin); set = people sign in with it. https:// required, except on a loopback address. */
  OIDC_ISSUER: z
    .string()
    .url({ message: 'expected the issuer URL, such as https://auth.agentconnect.gouv.fr/api/v2' })
    .refine((v) => /^https:\/\//i.test(v) || isLoopbackUrl(v), { message: 'expected an https:// issuer (http:// only on a loopback address)' })
    .optional(),
  /** Client id Cité was registered with at the provider. */
  OIDC_CLIENT_ID: z.string().optional(),
  /** Client secret Cité was registered with at the provider. */
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** Scopes asked at sign-in, separated by spaces (ProConnect: `openid email given_name usual_name uid siret`). */
  OIDC_SCOPES: z.string().default('openid email profile'),
  /** Where the provider sends people back; unset = PUBLIC_URL + `/auth/callback` (register this address at the provider). */
  OIDC_REDIRECT_URL: z.string().url({ message: 'expected the https address of /auth/callback' }).optional(),
  /** Host globs the signed-in person's e-mail domain must match (`*.gouv.fr,interieur.gouv.fr`); empty = any. */
  OIDC_ALLOWED_EMAIL_DOMAINS: z.string().default(''),
  /** `acr_values` asked at sign-in (ProConnect: `eidas1`); empty = none. */
  OIDC_ACR_VALUES: z.string().default(''),
  /** Claims asked by name in the `claims` parameter, for the userinfo answer (ProConnect: `given_name usual_name email uid siret`); empty = no `claims` parameter. */
  OIDC_CLAIMS: z.string().default(''),
  /** Algorithm the provider signs userinfo answers with, when it answers a signed JWT (ProConnect: `RS256`); unset = plain JSON, or a JWT signed with an algorithm the provider lists. */
  OIDC_USERINFO_SIGNED_RESPONSE_ALG: z.string().optional(),
  /** Role given at a first sign-in, unless OIDC_ROLE_CLAIM names one. */
  OIDC_DEFAULT_ROLE: z.enum(['agent', 'evaluator', 'admin']).default('agent'),
  /** Collections (names, comma separated) given at a first sign-in, unless OIDC_COLLECTIONS_CLAIM names some; empty = every collection. */
  OIDC_DEFAULT_COLLECTIONS: z.string().default(''),
  /** Claim whose value (a role name, or a list holding some) gives the role at a first sign-in; the highest listed wins. */
  OIDC_ROLE_CLAIM: z.string().optional(),
  /** Claim whose value (collection names) gives the collections at a first sign-in; names of no collection are left out. */
  OIDC_COLLECTIONS_CLAIM: z.string().optional(),
  /** Hours a console session lasts before signing in again. */
  OIDC_SESSION_HOURS: int(1, 720).default(12),
  /** The provider's name on the console's sign-in button. */
  OIDC_PROVIDER_NAME: z.string().default('ProConnect'),

  /** Days answers are kept, with their feedback (answers kept in an evaluation set excepted); 0 = forever. */
  RETENTION_ANSWERS_DAYS: int(0, 36500).default(0),
  /** Days feedback is kept (feedback on answers kept in an evaluation set excepted); 0 = forever. */
  RETENTION_FEEDBACK_DAYS: int(0, 36500).default(0),
  /** Days finished crawl runs, their per-URL records and ingestion errors are kept (each source's latest run excepted); 0 = forever. */
  RETENTION_CRAWL_LOGS_DAYS: int(0, 36500).default(90),
  /** Days the audit log is kept; 0 = forever. */
  RETENTION_AUDIT_DAYS: int(0, 36500).default(0),
  /** Days pages fetched by web search (the `web` collection) are kept after their fetch; 0 = forever. */
  RETENTION_WEB_DAYS: int(0, 36500).default(30),
  /** How often the background purge of expired rows runs (minutes). */
  RETENTION_PURGE_INTERVAL_MINUTES: int(1, 10080).default(60),
  /** Rows the purge deletes per statement (short locks on busy tables). */
  RETENTION_PURGE_BATCH_SIZE: int(10, 100000).default(1000),

  /** Reciprocal rank fusion constant k. */
  SEARCH_RRF_K: int(1, 1000).default(60),
  /** Lowest fused score returned. */
  SEARCH_MIN_SCORE: num(0, 1000).default(0),
  /** Candidates each search branch (lexical, vector) brings to the fusion. */
  SEARCH_DEPTH: int(10, 1000).default(100),
  /** Candidates HNSW keeps while it walks its graph in a hybrid search (pgvector's hnsw.ef_search; at least SEARCH_DEPTH). The lexical branch's 20 best are measured exactly besides, so a chunk HNSW misses there keeps its vector vote: measured (hash embedder, m 12 / ef_construction 48) cdtn-dev hybrid nDCG@10 0.2790 at 100 and 0.2794 at 200 on the service-public index (65,817 chunks), 0.2354 and 0.2350 on the labour-law one (19,245), abstain-heldout 0.3624 and 0.3539; spf-qa answers, abstain-dev and abstain-heldout answers the same at both. Higher: more of the true neighbours, slower vector branch. */
  SEARCH_EF_SEARCH: int(10, 1000).default(100),
  /** The same for vector-only searches (mode vector, ANSWER_SEARCH_MODE vector), where no lexical branch makes up for HNSW's misses: recall@10 of the exact neighbours 0.890 at 100, 0.942 at 200, 0.998 at 1000 on the labour-law index (hash embedder); cdtn-dev vector nDCG@10 0.2341 at 100, 0.2398 at 200 on the service-public index. */
  SEARCH_EF_SEARCH_VECTOR: int(10, 1000).default(200),
  /** Postings read per query term by the lexical branch, best BM25 impacts first among the collections searched (exact up to this many; five times as many under other filters; twice as many per word of a synonym list's term; only SEARCH_DEPTH for a query of one term the collections hold, which they rank alone); a query's 32 rarest terms are searched, its commoner ones past them left out. */
  SEARCH_TERM_DEPTH: int(100, 1000000).default(2000),
  /** RRF weight of the lexical branch. */
  SEARCH_WEIGHT_LEXICAL: num(0, 100).default(1),
  /** RRF weight of the vector branch (1 unless set). */
  SEARCH_WEIGHT_VECTOR: num(0, 100).optional(),
  /** Hybrid search: vector candidates below this cosine similarity get no vote in the fusion, so chance neighbours cannot outrank an exact lexical match. Unset: 5/√dimension with the hash embedder (0.255 at 384, five standard deviations of chance similarity), none with a model: measure its chance level (similarity of single rare-token queries) before setting it. 0 = off. */
  SEARCH_VECTOR_MIN_SIMILARITY: num(-1, 1).optional(),
  /** Optional cross-encoder reranker: empty (off), `transformers:<model>` or `openai:<model>` (a /rerank endpoint at EMBEDDINGS_BASE_URL). */
  SEARCH_RERANKER: z
    .string()
    .regex(/^(transformers:.+|openai:.+)?$/, { message: 'expected empty, transformers:<model> or openai:<model>' })
    .default(''),
  /** Fused candidates the reranker re-scores. */
  SEARCH_RERANK_DEPTH: int(1, 200).default(30),

  /** Log level of the JSON logs. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Node environment name. */
  NODE_ENV: z.string().default('production'),
  /** How far (%) V8 lets a process's heap grow past what survived its last full collection before collecting again; 0 = V8's own policy (up to 4×), which made a crawler's peak RSS mostly garbage (bench:crawl server: 266-272 MB at 0, 215-220 MB at 50, pages/s within noise). Lower: less memory, more collections. */
  HEAP_GROWTH_PERCENT: int(0, 400).default(50),
});

export type Config = z.infer<typeof configSchema>;

/** The Brave Search API, where WEB_SEARCH_PROVIDER=brave sends queries unless WEB_SEARCH_URL names another address. */
export const BRAVE_SEARCH_API_URL = 'https://api.search.brave.com/res/v1/web/search';

/**
 * How far the OpenID Connect provider's clock may be from ours when an ID token's times are checked (exp, nbf,
 * and iat, which openid-client leaves unchecked against the future): openid-client's own default, kept.
 */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 30;

/** Where web search queries go (issue 22): undefined when web search is off or its provider has no address. */
export function webSearchEndpoint(cfg: Pick<Config, 'WEB_SEARCH_PROVIDER' | 'WEB_SEARCH_URL'>): string | undefined {
  if (!cfg.WEB_SEARCH_PROVIDER) return undefined;
  return cfg.WEB_SEARCH_URL ?? (cfg.WEB_SEARCH_PROVIDER === 'brave' ? BRAVE_SEARCH_API_URL : undefined);
}

/** Human-readable list of what went wrong, one line per variable. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const name = issue.path.join('.') || '(config)';
      return `  ${name}: ${issue.message}`;
    })
    .join('\n');
}

/** A config file holds a few dozen short values: anything larger is not one (and /dev/zero would never end). */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
/** Keys of a config file that annotate it rather than set a variable (`$schema`, `_comment`, `//`). */
const ANNOTATION_KEY = /^(\$|_|\/\/)/;

/** The file's text: a regular file of at most CONFIG_FILE_MAX_BYTES, opened without blocking (a FIFO). */
function readConfigText(file: string): string {
  const fd = fs.openSync(path.resolve(file), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > CONFIG_FILE_MAX_BYTES) throw new Error(`larger than ${CONFIG_FILE_MAX_BYTES} bytes`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function readConfigFile(file: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readConfigText(file));
  } catch (e) {
    throw new CiteError('CONFIG_INVALID', `CITE_CONFIG: cannot read ${file} as JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CiteError('CONFIG_INVALID', `CITE_CONFIG: ${file} must hold a JSON object of VARIABLE: value`);
  }
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (ANNOTATION_KEY.test(key)) continue;
    // a misspelt variable would otherwise leave its default in force without a word (a security setting too)
    if (!Object.hasOwn(configSchema.shape, key)) problems.push(`  ${key}: not a variable Cité reads`);
    // null: unset, as an empty string is
    else if (value === null) continue;
    // an object or a list would become "[object Object]" or "a,b" and be judged as that
    else if (!['string', 'number', 'boolean'].includes(typeof value)) {
      problems.push(`  ${key}: expected a string, number or boolean`);
    } else out[key] = String(value);
  }
  if (problems.length) throw new CiteError('CONFIG_INVALID', `CITE_CONFIG: ${file}:\n${problems.join('\n')}`);
  return out;
}

/**
 * Parses configuration from an environment-like record. Empty strings count as unset, so
 * `LLM_BASE_URL=` in a compose file does not fail validation.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const fromFile = env.CITE_CONFIG ? readConfigFile(env.CITE_CONFIG) : {};
  const merged: Record<string, string> = { ...fromFile };
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const key of Object.keys(merged)) if (merged[key] === '') delete merged[key];
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new CiteError('CONFIG_INVALID', `Invalid configuration:\n${describeIssues(parsed.error)}`);
  }
  const c = parsed.data;
  // sign-in needs the client and a callback address besides the issuer: say so at start, not at the first sign-in
  if (c.OIDC_ISSUER && (!c.OIDC_CLIENT_ID || !(c.OIDC_REDIRECT_URL || c.PUBLIC_URL))) {
    const missing = [!c.OIDC_CLIENT_ID && 'OIDC_CLIENT_ID', !(c.OIDC_REDIRECT_URL || c.PUBLIC_URL) && 'OIDC_REDIRECT_URL (or PUBLIC_URL)'].filter(Boolean);
    throw new CiteError('CONFIG_INVALID', `Invalid configuration:\n  ${missing.join(', ')}: required when OIDC_ISSUER is set`);
  }
  return c;
}

/**
 * The schema's defaults, for code that may run without a configuration at hand (library use, tests, benches):
 * its fallbacks read them here instead of repeating the numbers, so a default changes in one place.
 */
export const CONFIG_DEFAULTS: Readonly<Config> = Object.freeze(configSchema.parse({}));

let cached: Config | undefined;
/** The process configuration, parsed once. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
/** Tests and the CLI use this to apply overrides. */
export function setConfig(next: Config): void {
  cached = next;
}

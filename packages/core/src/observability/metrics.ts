/**
 * Prometheus metrics, all declared here so /metrics documents itself and names never collide.
 * Components import the metric they update.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const httpRequests = new client.Counter({
  name: 'cite_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});
export const httpDuration = new client.Histogram({
  name: 'cite_http_request_duration_seconds',
  help: 'HTTP request latency by route',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const searchStageDuration = new client.Histogram({
  name: 'cite_search_stage_duration_seconds',
  help: 'Search stage timings (embed, lexical, vector, fusion, rerank, total)',
  labelNames: ['stage'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
export const crawlPages = new client.Counter({
  name: 'cite_crawl_pages_total',
  help: 'Crawled URLs by outcome (indexed, unchanged, skipped, failed, deleted)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const vectorBacklogChunks = new client.Gauge({
  name: 'cite_vector_backlog_chunks',
  help: 'Crawled chunks whose vectors wait outside the HNSW index (searched exactly), as this worker last saw',
  registers: [registry],
});
export const postingsBacklogChunks = new client.Gauge({
  name: 'cite_postings_backlog_chunks',
  help: 'Crawled chunks whose BM25 postings wait outside search_postings (searched from their impacts), as this worker last saw',
  registers: [registry],
});
export const ingestDocuments = new client.Counter({
  name: 'cite_ingest_documents_total',
  help: 'Ingested documents by outcome (new, changed, unchanged, failed, skipped, deleted)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const modelCallDuration = new client.Histogram({
  name: 'cite_model_call_duration_seconds',
  help: 'Latency of calls to model servers (embeddings, chat, rerank)',
  labelNames: ['kind', 'model'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});
export const modelCallErrors = new client.Counter({
  name: 'cite_model_call_errors_total',
  help: 'Failed calls to model servers',
  labelNames: ['kind', 'model'] as const,
  registers: [registry],
});
export const outboundRequests = new client.Counter({
  name: 'cite_outbound_requests_total',
  help: 'Outbound network requests by destination host',
  labelNames: ['host', 'purpose'] as const,
  registers: [registry],
});
export const authFailures = new client.Counter({
  name: 'cite_auth_failures_total',
  help: 'Requests refused by authentication or authorisation',
  labelNames: ['reason'] as const,
  registers: [registry],
});
export const dbAdmissionQueue = new client.Gauge({
  name: 'cite_db_admission_queue_depth',
  help: 'Statements waiting for their turn at the database, by lane (request, background)',
  labelNames: ['lane'] as const,
  registers: [registry],
});
export const dbAdmissionWait = new client.Histogram({
  name: 'cite_db_admission_wait_seconds',
  help: 'Time a statement waited for its turn at the database, by lane',
  labelNames: ['lane'] as const,
  buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [registry],
});
export const dbAdmissionRefused = new client.Counter({
  name: 'cite_db_admission_refused_total',
  help: 'Requests refused with 503 DATABASE_BUSY: the queue was full or the wait too long',
  labelNames: ['lane', 'reason'] as const,
  registers: [registry],
});
export const dbUpkeepSeconds = new client.Counter({
  name: 'cite_db_upkeep_seconds_total',
  help: 'Time Cité spent vacuuming and analyzing tables where PostgreSQL does not (embedded database, server without autovacuum), by statement kind',
  labelNames: ['statement'] as const,
  registers: [registry],
});
export const dbUpkeepFailures = new client.Counter({
  name: 'cite_db_upkeep_failures_total',
  help: 'Passes of the database upkeep that failed (the next one tries again; the error is logged)',
  registers: [registry],
});

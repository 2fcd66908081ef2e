/**
 * Creating a run: checks the set and the configuration, records what the engine runs with (embedding
 * model, answer model) next to what was asked, and the collections of the key that starts it (the run
 * searches and answers within them only), and queues it for the background runner.
 */
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { badRequest } from '@cite/core/errors.js';
import { createRun, type EvalRunRow } from './eval-runs-repo.js';
import type { RunConfig, RunConfigInput } from './eval-runs-types.js';
import { runConfigSchema } from './eval-runs-types.js';
import { requireSet } from './eval-sets-repo.js';

/** Runners of this process, woken when a run is queued here (others find it at their next poll). */
const wakers = new Set<() => void>();
export function onRunQueued(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

export function resolveRunConfig(cfg: Config, input: RunConfigInput | RunConfig): RunConfig {
  const result = runConfigSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'embeddings' && k !== 'answer_model' && k !== 'engine_search')));
  if (!result.success)
    throw badRequest('INVALID_RUN_CONFIG', result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; '));
  const parsed = result.data;
  if (parsed.judge && !parsed.answers) throw badRequest('EVAL_JUDGE_NEEDS_ANSWERS', 'The judge reads answers: set answers to true to use it');
  if (parsed.judge && !(cfg.EVAL_JUDGE_BASE_URL ?? cfg.LLM_BASE_URL))
    throw badRequest('JUDGE_NOT_CONFIGURED', 'An LLM judge needs EVAL_JUDGE_BASE_URL and EVAL_JUDGE_MODEL (or LLM_BASE_URL and LLM_MODEL)');
  if (parsed.judge && !(parsed.judge_model ?? cfg.EVAL_JUDGE_MODEL ?? cfg.LLM_MODEL))
    throw badRequest('JUDGE_NOT_CONFIGURED', 'No judge model: set judge_model, EVAL_JUDGE_MODEL or LLM_MODEL');
  if (parsed.llm_model && !cfg.LLM_BASE_URL) throw badRequest('LLM_NOT_CONFIGURED', 'llm_model needs LLM_BASE_URL to be configured');
  // Absent = what the engine does by default (as `cite eval`): its configured reranker, if any.
  if (parsed.reranker === undefined) parsed.reranker = cfg.SEARCH_RERANKER || null;
  if (parsed.reranker) {
    // Reranking uses the engine's configured model; a run can switch it on, not load another one.
    if (!cfg.SEARCH_RERANKER) throw badRequest('RERANKER_NOT_CONFIGURED', 'reranker: no reranker is configured on this engine (SEARCH_RERANKER)');
    if (parsed.reranker !== 'default' && parsed.reranker !== cfg.SEARCH_RERANKER)
      throw badRequest('RERANKER_NOT_CONFIGURED', `reranker: this engine runs ${cfg.SEARCH_RERANKER}, not ${parsed.reranker} (use "default")`);
    parsed.reranker = cfg.SEARCH_RERANKER;
  }
  const answerModel = parsed.answers ? parsed.llm_model ?? (cfg.LLM_BASE_URL && cfg.LLM_MODEL ? cfg.LLM_MODEL : 'extractive') : undefined;
  return {
    ...parsed,
    embeddings: cfg.EMBEDDINGS,
    ...(answerModel ? { answer_model: answerModel } : {}),
    engine_search: { rrf_k: cfg.SEARCH_RRF_K, weight_lexical: cfg.SEARCH_WEIGHT_LEXICAL, weight_vector: cfg.SEARCH_WEIGHT_VECTOR ?? null, depth: cfg.SEARCH_DEPTH },
  };
}

export async function queueRun(
  ctx: { db: Database; config: Config },
  input: {
    setId: number;
    name?: string;
    config: RunConfigInput | RunConfig;
    origin?: EvalRunRow['origin'];
    createdBy?: number | null;
    /** The starting key's collections; null or absent = all (unrestricted keys, the CLI). */
    collections?: number[] | null;
  },
): Promise<EvalRunRow> {
  const set = await requireSet(ctx.db, input.setId);
  if (set.item_count === 0) throw badRequest('EVAL_SET_EMPTY', `Evaluation set ${set.id} has no question`);
  const config = resolveRunConfig(ctx.config, input.config);
  const run = await createRun(ctx.db, {
    setId: set.id,
    name: input.name || `${set.name} · ${config.mode}${config.answers ? ' + answers' : ''}`,
    config,
    origin: input.origin,
    createdBy: input.createdBy,
    collections: input.collections ?? null,
    total: set.item_count,
  });
  for (const wake of wakers) wake();
  return run;
}

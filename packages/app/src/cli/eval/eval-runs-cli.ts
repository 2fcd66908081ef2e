/**
 * The stored-run side of `cite eval`: `--set ID` or `--queries FILE` with `--save` (keep the run, as
 * if started from the console), `--baseline RUN_ID --fail-under-ratio R` (exit code 3 when quality
 * drops, for deployment pipelines). The run is executed by the same code as background runs, so the
 * figures printed here are the ones the console shows. Talks to the running engine's API when the
 * embedded database is held by `cite start` (or CITE_URL is set), else opens the database itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { callEngine, cliConfig, isTTY, remoteEngine, withDatabase, type RemoteEngine } from '../cli-context.js';
import { evalRunShape, guardShape, importedSetShape } from '../engine-answer-shapes.js';
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { badRequest, CiteError } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { logger } from '@cite/core/observability/logger.js';
import { engineDeps } from '@cite/retrieval/eval/eval-runs-backend.js';
import { checkRegression, describeGuard, type GuardResult } from '@cite/retrieval/eval/eval-runs-guard.js';
import { claimRunById, deleteRun, requireRun, type EvalRunRow } from '@cite/retrieval/eval/eval-runs-repo.js';
import { executeRun } from '@cite/retrieval/eval/eval-runs-runner.js';
import type { ScoreDeps } from '@cite/retrieval/eval/eval-runs-score.js';
import { queueRun } from '@cite/retrieval/eval/eval-runs-start.js';
import type { RunConfigInput } from '@cite/retrieval/eval/eval-runs-types.js';
import { deleteSet, importJsonl, requireSet } from '@cite/retrieval/eval/eval-sets-repo.js';

export interface StoredEvalOptions {
  set?: number;
  queries?: string;
  save?: boolean;
  name?: string;
  baseline?: number;
  failUnderRatio?: number;
  /** Comma-separated metrics the guard checks (default: every quality metric both runs have). */
  guardMetrics?: string;
  config: RunConfigInput;
  json?: boolean;
}

export interface StoredEvalOutcome {
  run: Pick<EvalRunRow, 'id' | 'set_id' | 'status' | 'aggregates' | 'config' | 'error'>;
  saved: boolean;
  guard?: GuardResult;
  /** 0 ok, 3 quality below the baseline. */
  exitCode: number;
}

/** Builds the search backend (and judge) of a run; tests give their own. */
export type DepsFactory = (run: EvalRunRow) => Promise<ScoreDeps>;

/** Exit code of `cite eval` when the regression guard fails (1 stays "the command failed"). */
export const EXIT_QUALITY_DROPPED = 3;

export function wantsStoredRun(o: { set?: unknown; save?: unknown; baseline?: unknown }): boolean {
  return o.set !== undefined || Boolean(o.save) || o.baseline !== undefined;
}

function validate(o: StoredEvalOptions): void {
  if ((o.set === undefined) === (o.queries === undefined)) throw badRequest('EVAL_INPUT_REQUIRED', 'Give either --set ID or --queries FILE');
  for (const [flag, v] of [['--set', o.set], ['--baseline', o.baseline]] as const)
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw badRequest('INVALID_RUN_ID', `${flag} takes a numeric id`);
  if (o.baseline !== undefined && (o.failUnderRatio === undefined || Number.isNaN(o.failUnderRatio))) o.failUnderRatio = 0.98;
  if (o.failUnderRatio !== undefined && !(o.failUnderRatio > 0 && o.failUnderRatio <= 1))
    throw badRequest('INVALID_RATIO', '--fail-under-ratio must be a number in ]0, 1], e.g. 0.98');
}

function readQueries(file: string): { content: string; name: string } {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CiteError('QUERIES_FILE_UNREADABLE', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return { content, name: path.basename(file) };
}

function progressReporter(json?: boolean) {
  if (json) return { update: () => {}, stop: () => {} };
  if (isTTY()) {
    const bar = new cliProgress.SingleBar({ format: 'evaluation {bar} {value}/{total} questions | {errors} errors | ETA {eta_formatted}' }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update: (p: { done: number; total: number; errors: number }) => {
        if (!started) {
          bar.start(p.total, p.done, { errors: p.errors });
          started = true;
        } else bar.update(p.done, { errors: p.errors });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p: { done: number; total: number; errors: number }) => {
      if (p.done === p.total || Date.now() - last > 5_000) {
        last = Date.now();
        process.stderr.write(`evaluation: ${p.done}/${p.total} questions, ${p.errors} errors\n`);
      }
    },
    stop: () => {},
  };
}

async function runLocally(db: Database, cfg: Config, o: StoredEvalOptions, deps?: DepsFactory): Promise<StoredEvalOutcome> {
  // a missing baseline must stop the command before it spends minutes evaluating
  const baseline = o.baseline === undefined ? undefined : await requireRun(db, o.baseline);
  let setId = o.set;
  let createdSet = false;
  if (o.queries) {
    const { content, name } = readQueries(o.queries);
    const imported = await importJsonl(db, { content, name: `${name} (${new Date().toISOString().slice(0, 10)})`, reuse: true, createdBy: null, maxItems: cfg.EVAL_IMPORT_MAX_ITEMS });
    setId = imported.set.id;
    createdSet = !imported.reused;
  } else await requireSet(db, setId!);
  const app: AppContext = { db, config: cfg, log: logger().child({ command: 'eval' }), services: new Map() };
  const queued = await queueRun(app, { setId: setId!, name: o.name, config: o.config, origin: 'cli' });
  const workerId = `cli:${process.pid}`;
  const run = await claimRunById(db, queued.id, workerId);
  if (!run) throw new CiteError('EVAL_RUN_TAKEN', `Run ${queued.id} was taken by a background worker; follow it in the console`);
  const progress = progressReporter(o.json);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  let outcome;
  try {
    outcome = await executeRun(db, run, await (deps ?? ((r) => engineDeps(app, r)))(run), { workerId, signal: stop.signal, onProgress: (p) => progress.update(p), log: app.log });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }
  const finished = await requireRun(db, run.id);
  if (outcome === 'released') throw new CiteError('EVAL_INTERRUPTED', `Interrupted; run ${run.id} is queued with ${finished.done} question(s) done and will be resumed by the engine`);
  let guard: GuardResult | undefined;
  if (baseline) guard = checkRegression(baseline.aggregates, finished.aggregates, o.failUnderRatio!, o.guardMetrics?.split(','));
  if (!o.save) {
    await deleteRun(db, run.id);
    if (createdSet) await deleteSet(db, setId!);
  }
  return { run: finished, saved: Boolean(o.save), guard, exitCode: guard && !guard.ok ? EXIT_QUALITY_DROPPED : 0 };
}

async function runRemotely(engine: RemoteEngine, o: StoredEvalOptions): Promise<StoredEvalOutcome> {
  if (o.baseline !== undefined) await callEngine(engine, 'GET', `/admin/api/eval-runs/${o.baseline}`);
  let setId = o.set;
  let createdSet = false;
  if (o.queries) {
    const { content, name } = readQueries(o.queries);
    const setName = encodeURIComponent(`${name} (${new Date().toISOString().slice(0, 10)})`);
    const body = await callEngine<{ set: { id: number }; reused?: boolean }>(
      engine,
      'POST',
      `/admin/api/eval-sets/import?name=${setName}&reuse=true`,
      content,
      { contentType: 'application/x-ndjson', shape: importedSetShape },
    );
    setId = body.set.id;
    createdSet = !body.reused;
  }
  const followed = { shape: evalRunShape };
  const queue = { set_id: setId, name: o.name, config: o.config, origin: 'cli' };
  const queued = await callEngine<EvalRunRow>(engine, 'POST', '/admin/api/eval-runs', queue, followed);
  const progress = progressReporter(o.json);
  let run = queued;
  try {
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((r) => setTimeout(r, 500));
      run = await callEngine<EvalRunRow>(engine, 'GET', `/admin/api/eval-runs/${queued.id}`, undefined, followed);
      if (run.total) progress.update({ done: run.done, total: run.total, errors: run.errors });
    }
  } finally {
    progress.stop();
  }
  let guard: GuardResult | undefined;
  if (o.baseline !== undefined)
    guard = await callEngine<GuardResult>(
      engine,
      'GET',
      `/admin/api/eval-runs/${run.id}/guard?baseline=${o.baseline}&ratio=${o.failUnderRatio}${o.guardMetrics ? `&metrics=${encodeURIComponent(o.guardMetrics)}` : ''}`,
      undefined,
      { shape: guardShape },
    );
  if (!o.save) {
    await callEngine(engine, 'DELETE', `/admin/api/eval-runs/${run.id}`);
    if (createdSet) await callEngine(engine, 'DELETE', `/admin/api/eval-sets/${setId}`);
  }
  return { run, saved: Boolean(o.save), guard, exitCode: guard && !guard.ok ? EXIT_QUALITY_DROPPED : 0 };
}

/** Runs the evaluation; returns the outcome (the caller prints it and exits with `exitCode`). */
export async function runStoredEvaluation(
  o: StoredEvalOptions,
  where: { db?: Database; config?: Config; engine?: RemoteEngine | null; deps?: DepsFactory } = {},
): Promise<StoredEvalOutcome> {
  validate(o);
  if (where.db) return runLocally(where.db, where.config ?? cliConfig(), o, where.deps);
  const engine = where.engine === undefined ? remoteEngine() : where.engine;
  if (engine) return runRemotely(engine, o);
  return withDatabase((db, cfg) => runLocally(db, cfg, o));
}

const FIGURES = ['ndcg@10', 'recall@10', 'recall@50', 'mrr@10', 'citation_precision', 'gold_recall', 'unsupported_rate', 'abstention_rate', 'judge_correctness', 'judge_support_rate'];

export function formatOutcome(out: StoredEvalOutcome): string {
  const a = out.run.aggregates;
  const lines = [
    `Run ${out.run.id} ${out.run.status}${out.saved ? ' (saved)' : ' (not saved; --save keeps it)'}: ${a.questions ?? 0} questions, ${a.phrasings ?? 0} phrasings, ${a.errors ?? 0} errors`,
  ];
  if (out.run.error) lines.push(`  error: ${out.run.error}`);
  for (const m of FIGURES) if (typeof a[m] === 'number') lines.push(`  ${m.padEnd(20)} ${a[m]!.toFixed(4)}`);
  if (typeof a.latency_p50 === 'number') lines.push(`  latency p50/p95/p99  ${a.latency_p50} / ${a.latency_p95} / ${a.latency_p99} ms`);
  if (out.guard) lines.push(describeGuard(out.guard));
  return lines.join('\n');
}

export function outcomeJson(out: StoredEvalOutcome): Record<string, unknown> {
  return { run_id: out.saved ? out.run.id : null, status: out.run.status, ...out.run.aggregates, queries: out.run.aggregates.questions, config: out.run.config, ...(out.guard ? { guard: out.guard } : {}) };
}

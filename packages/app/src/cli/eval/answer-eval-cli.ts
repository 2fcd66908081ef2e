/**
 * `cite eval --answers --queries FILE [--k N] [--json]`: the answers side of `cite eval`. Uses the
 * engine's configured answering (language model when LLM_* is set, extractive otherwise), in
 * process, or through the running engine's API when it holds the embedded database.
 */
import { answerService } from '@cite/retrieval/answers/app-answers.js';
import type { AnswerResult } from '@cite/retrieval/answers/answer-service.js';
import { ANSWER_CALL_TIMEOUT_MS, callEngine, cliConfig, remoteEngine, withDatabase } from '../cli-context.js';
import { answerShape } from '../engine-answer-shapes.js';
import { cliLogger } from '../commands/ingest.js';
import { badRequest } from '@cite/core/errors.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { formatAnswerReport, readAnswerQueries, runAnswerEval, type AnswerEvalReport } from '@cite/retrieval/eval/answer-eval.js';

export interface AnswerEvalCliOptions {
  queries?: string;
  k?: string;
  json?: boolean;
}

export async function runAnswerEvalCommand(opts: AnswerEvalCliOptions): Promise<AnswerEvalReport> {
  if (!opts.queries) throw badRequest('EVAL_INPUT_REQUIRED', 'Give --queries FILE with --answers');
  const queries = readAnswerQueries(opts.queries);
  const k = opts.k === undefined ? undefined : Number(opts.k);
  if (k !== undefined && (!Number.isInteger(k) || k < 1 || k > 50)) throw badRequest('INVALID_OPTION', '--k must be between 1 and 50 with --answers');
  const onProgress = (done: number, total: number) => {
    if (done % 10 === 0 || done === total) process.stderr.write(`eval answers: ${done}/${total}\n`);
  };
  const cfg = cliConfig();
  const engine = remoteEngine(cfg);
  if (engine) {
    const call = { timeoutMs: ANSWER_CALL_TIMEOUT_MS, shape: answerShape };
    const ask = (question: string, kk?: number) =>
      callEngine<AnswerResult>(engine, 'POST', '/v1/answers', { question, ...(kk ? { k: kk } : {}) }, call);
    return runAnswerEval({ ask, mode: cfg.LLM_BASE_URL && cfg.LLM_MODEL ? 'llm' : 'extractive' }, queries, { k, onProgress });
  }
  return withDatabase(async (db) => {
    const app: AppContext = { db, config: cfg, log: cliLogger(cfg, 'eval'), services: new Map() };
    return runAnswerEval(await answerService(app), queries, { k, onProgress });
  });
}

export function printAnswerReport(report: AnswerEvalReport, json?: boolean): void {
  if (json) {
    const { items: _items, ...summary } = report;
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else process.stdout.write(`${formatAnswerReport(report)}\n`);
}

/**
 * Optional LLM judge of evaluation runs: answer correctness against the expected answer, and whether
 * each cited passage supports the sentence citing it. Any OpenAI-compatible chat model; the French
 * prompts live in ./prompts (reviewable, versioned with the code). A judge that answers nonsense or
 * fails gives a verdict carrying an error, never a made-up score.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { LlmClient } from '../answers/llm-client.js';
import type { ChatMessage } from '../answers/prompt.js';
import { CONFIG_DEFAULTS, type Config } from '@cite/core/config/config.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import type { AnswerOutcome, JudgeVerdict } from './eval-runs-types.js';
import type { JudgeLike } from './eval-runs-score.js';

const PROMPTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'prompts');

/** A prompt file: the system message, a line `---`, then the user message with {{placeholders}}. */
export function loadPrompt(name: string): { system: string; user: string } {
  const text = fs.readFileSync(path.join(PROMPTS_DIR, `${name}.md`), 'utf8');
  const at = text.indexOf('\n---\n');
  if (at < 0) return { system: '', user: text.trim() };
  return { system: text.slice(0, at).trim(), user: text.slice(at + 5).trim() };
}

/** Fills {{name}} placeholders in one pass, so text coming from sources cannot inject other placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in values ? values[k]! : m));
}

/** Keeps the judge's input bounded and stops data from closing our delimiting tags. */
function clip(s: string, max = 4000): string {
  const t = s.replace(/<\/?(question|attendue|produite|phrase|passage)>/gi, '');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** The first JSON value (object or array) in a model's reply, tolerating code fences and prose. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?([\s\S]*?)```/i.exec(text);
  const body = fenced ? fenced[1]! : text;
  // whichever of an object or an array opens first is the value (an array holds objects)
  const starts = ['{', '['].map((c) => body.indexOf(c)).filter((i) => i >= 0).sort((a, b) => a - b);
  for (const start of starts) {
    const close = body[start] === '{' ? '}' : ']';
    for (let end = body.lastIndexOf(close); end > start; end = body.lastIndexOf(close, end - 1)) {
      try {
        return JSON.parse(body.slice(start, end + 1));
      } catch {
        // try a shorter span
      }
    }
  }
  throw new CiteError('JUDGE_UNPARSABLE', `The judge's reply is not JSON: ${text.slice(0, 200)}`);
}

export function parseCorrectness(reply: string): { score: number; rationale: string } {
  const v = extractJson(reply) as { score?: unknown; justification?: unknown };
  const score = typeof v?.score === 'string' ? Number(v.score.replace(',', '.')) : v?.score;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1)
    throw new CiteError('JUDGE_UNPARSABLE', `The judge gave no score between 0 and 1: ${reply.slice(0, 200)}`);
  return { score, rationale: typeof v.justification === 'string' ? v.justification : '' };
}

export function parseCitationVerdicts(reply: string, expected: number[]): Array<{ n: number; supported: boolean }> {
  const v = extractJson(reply);
  const list = Array.isArray(v) ? v : Array.isArray((v as { citations?: unknown })?.citations) ? (v as { citations: unknown[] }).citations : null;
  if (!list) throw new CiteError('JUDGE_UNPARSABLE', `The judge gave no list of verdicts: ${reply.slice(0, 200)}`);
  const byN = new Map<number, boolean>();
  for (const e of list as Array<{ n?: unknown; supported?: unknown }>) {
    const n = Number(e?.n);
    if (Number.isInteger(n) && typeof e?.supported === 'boolean') byN.set(n, e.supported);
  }
  const missing = expected.filter((n) => !byN.has(n));
  if (missing.length) throw new CiteError('JUDGE_UNPARSABLE', `The judge gave no verdict for citation(s) ${missing.join(', ')}`);
  return expected.map((n) => ({ n, supported: byN.get(n)! }));
}

export interface JudgeOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
  maxRetries?: number;
  log?: Logger;
}

export class LlmJudge implements JudgeLike {
  private readonly client: LlmClient;
  private readonly correctness = loadPrompt('judge-correctness');
  private readonly citationsPrompt = loadPrompt('judge-citations');
  private readonly citationItem = loadPrompt('judge-citation-item').user;

  constructor(private readonly options: JudgeOptions) {
    this.client = new LlmClient({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      model: options.model,
      timeoutMs: options.timeoutMs ?? CONFIG_DEFAULTS.LLM_TIMEOUT_MS,
      maxRetries: options.maxRetries ?? CONFIG_DEFAULTS.LLM_MAX_RETRIES,
      log: options.log,
    });
  }

  get model(): string {
    return this.options.model;
  }

  private async ask(prompt: { system: string; user: string }, values: Record<string, string>, signal: AbortSignal): Promise<string> {
    const messages: ChatMessage[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: fill(prompt.user, values) },
    ];
    const completion = await this.client.complete({ messages, temperature: 0, signal });
    return completion.text;
  }

  async judge(input: { question: string; expected: string | null; answer: AnswerOutcome }, signal: AbortSignal): Promise<JudgeVerdict> {
    const verdict: JudgeVerdict = { correctness: null, rationale: '', citations: [], model: this.options.model };
    const errors: string[] = [];
    const answerText = input.answer.answer;
    if (input.expected) {
      try {
        const reply = await this.ask(this.correctness, { question: clip(input.question), expected: clip(input.expected), answer: clip(answerText) }, signal);
        const parsed = parseCorrectness(reply);
        verdict.correctness = parsed.score;
        verdict.rationale = parsed.rationale;
      } catch (e) {
        if (signal.aborted) throw e;
        errors.push(describe(e));
      }
    }
    const cited = input.answer.citations;
    if (cited.length) {
      try {
        const blocks = cited.map((c) => fill(this.citationItem, { n: String(c.n), sentence: clip(c.sentence, 1000), passage: clip(c.passage, 3000) }));
        const reply = await this.ask(this.citationsPrompt, { citations: blocks.join('\n\n') }, signal);
        verdict.citations = parseCitationVerdicts(reply, cited.map((c) => c.n));
      } catch (e) {
        if (signal.aborted) throw e;
        errors.push(describe(e));
      }
    }
    if (errors.length) verdict.error = errors.join('; ');
    return verdict;
  }
}

function describe(e: unknown): string {
  return isCiteError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message ?? String(e);
}

/**
 * The judge of this engine's configuration: EVAL_JUDGE_* else LLM_*; `model` overrides the model name.
 * Fails clearly when a run asks for a judge and none is configured.
 */
export function judgeFromConfig(cfg: Config, model?: string | null, log?: Logger): LlmJudge {
  const baseUrl = cfg.EVAL_JUDGE_BASE_URL ?? cfg.LLM_BASE_URL;
  const name = model ?? cfg.EVAL_JUDGE_MODEL ?? cfg.LLM_MODEL;
  if (!baseUrl || !name)
    throw new CiteError('JUDGE_NOT_CONFIGURED', 'An LLM judge needs EVAL_JUDGE_BASE_URL and EVAL_JUDGE_MODEL (or LLM_BASE_URL and LLM_MODEL)', { status: 400 });
  return new LlmJudge({
    baseUrl,
    apiKey: cfg.EVAL_JUDGE_API_KEY ?? (cfg.EVAL_JUDGE_BASE_URL ? undefined : cfg.LLM_API_KEY),
    model: name,
    timeoutMs: cfg.LLM_TIMEOUT_MS,
    maxRetries: cfg.LLM_MAX_RETRIES,
    log,
  });
}

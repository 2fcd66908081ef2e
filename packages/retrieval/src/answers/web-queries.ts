/**
 * The queries sent to the internet search provider for a question (issue 22). A question as asked
 * ("Bonjour, je voudrais savoir combien touche un ménage modeste pour un vélo électrique ?") is a poor
 * search engine query; with a language model configured, it writes one to three short French queries
 * in one short call (prompt: ./prompts/web-queries.fr.md). Without a model, or when the call fails,
 * times out or returns nothing usable, the question itself is the query: writing queries never fails
 * the answer. Each query is masked for personal data again where it is sent (ingestion's web search):
 * the model is not trusted to leave them out.
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import { sanitizeRewrite, topicalTerms } from './follow-up.js';
import type { LlmClient } from './llm-client.js';
import type { ChatMessage } from './prompt.js';

export const MAX_WEB_QUERIES = 3;
/** A search engine query longer than this is a sentence, not keywords. */
export const MAX_WEB_QUERY_CHARS = 150;
/** Characters of the question shown to the model. */
const MAX_QUESTION_CHARS = 1000;

export interface WebQueries {
  queries: string[];
  /** 'model': written by the model; 'question': the question itself. */
  method: 'model' | 'question';
}

export interface WebQueriesOptions {
  /** Whole budget of the call, retries included; past it the question is the query. */
  timeoutMs: number;
  maxTokens: number;
  temperature: number;
  log?: Logger;
}

export const DEFAULT_WEB_QUERIES_OPTIONS: WebQueriesOptions = { timeoutMs: 5000, maxTokens: 120, temperature: 0 };

const PROMPT_URL = new URL('./prompts/web-queries.fr.md', import.meta.url);
let prompt: { system: string; user: string } | undefined;

/** The prompt: the system message, a line `---`, then the user message with {{question}}. */
function webQueriesPrompt(): { system: string; user: string } {
  if (!prompt) {
    const text = fs.readFileSync(PROMPT_URL, 'utf8');
    const at = text.indexOf('\n---\n');
    prompt = { system: text.slice(0, at).trim(), user: text.slice(at + 5).trim() };
  }
  return prompt;
}

/** The messages of the call; the question is data, our tags removed from it, filled in one pass. */
export function webQueriesMessages(question: string): ChatMessage[] {
  const { system, user } = webQueriesPrompt();
  let q = question.replace(/<\/?\s*question\s*>/gi, ' ').replace(/\s+/g, ' ').trim();
  if (q.length > MAX_QUESTION_CHARS) q = `${q.slice(0, MAX_QUESTION_CHARS)}…`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user.replace(/\{\{question\}\}/g, () => q) },
  ];
}

/**
 * The model's reply as at most MAX_WEB_QUERIES queries, empty when nothing is usable. Each line is
 * cleaned like a follow-up rewrite (bullets, numbering, prefixes, quotes, reasoning blocks); a line is
 * dropped when it is a heading, too long, carries markup or a refusal, or names nothing the question
 * named (an injected instruction obeyed, a topic from elsewhere: it would leave the machine for nothing).
 */
export function parseWebQueries(reply: string, question: string): string[] {
  const text = reply.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, '\n').replace(/```[\w-]*/g, '\n');
  const asked = new Set(topicalTerms(question));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    if (/[:：]\s*$/.test(raw.trim())) continue;
    const line = sanitizeRewrite(raw);
    if (!line || line.length > MAX_WEB_QUERY_CHARS) continue;
    const terms = topicalTerms(line);
    if (asked.size > 0 && !terms.some((t) => asked.has(t))) continue;
    const key = terms.join(' ') || line.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(line);
    if (out.length >= MAX_WEB_QUERIES) break;
  }
  return out;
}

/**
 * The queries for `question` (already standalone). Never rejects: a model fault, a timeout, an
 * unusable reply and even a cancelled request give the question itself (a cancelled request stops
 * the web search that follows anyway).
 */
export async function webSearchQueries(
  question: string,
  llm?: LlmClient | null,
  signal?: AbortSignal,
  options: Partial<WebQueriesOptions> = {},
): Promise<WebQueries> {
  const fallback: WebQueries = { queries: [question], method: 'question' };
  if (!llm) return fallback;
  const opts = { ...DEFAULT_WEB_QUERIES_OPTIONS, ...options };
  const budget = AbortSignal.timeout(opts.timeoutMs);
  try {
    const completion = await llm.complete({
      messages: webQueriesMessages(question),
      temperature: opts.temperature,
      maxTokens: opts.maxTokens,
      signal: signal ? AbortSignal.any([signal, budget]) : budget,
    });
    const queries = parseWebQueries(completion.text, question);
    if (queries.length) return { queries, method: 'model' };
    opts.log?.warn({ reply: completion.text.slice(0, 200) }, 'web search queries unusable; the question is the query');
  } catch (e) {
    if (!signal?.aborted) opts.log?.warn({ code: (e as { code?: string }).code, timedOut: budget.aborted }, 'writing web search queries failed; the question is the query');
  }
  return fallback;
}

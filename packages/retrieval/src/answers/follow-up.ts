/**
 * Follow-up questions made standalone before retrieval. "Et combien de temps faut-il attendre le
 * récépissé ?" says nothing of the procedure it is about: searched alone it finds nothing precise,
 * and glued to every earlier turn it drowns its own words. With a language model configured, the model
 * rewrites the question in one short call (prompt: ./prompts/follow-up.fr.md); without one, or when
 * the call fails or returns something unusable, a deterministic rule does: the follow-up is kept alone
 * when it has a topic of its own, otherwise the topic of the most recent earlier user turn that had one
 * is put before it. The result is only ever a search query, never shown as an answer: the conversation
 * is data given to the model, and a rewrite that strays from it is refused.
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { LlmClient } from './llm-client.js';
import type { ChatMessage } from './prompt.js';
import { terms, words } from './text.js';

export type RewriteMethod = 'none' | 'rule' | 'model';

export interface StandaloneQuery {
  /** What to search for. */
  query: string;
  /** 'none': no earlier user turn, the question as asked; 'rule': the deterministic rule; 'model': the model's rewrite. */
  method: RewriteMethod;
}

export interface FollowUpOptions {
  /** Whole budget of the rewrite call, retries included; past it the rule answers. */
  timeoutMs: number;
  maxTokens: number;
  temperature: number;
  log?: Logger;
}

export const DEFAULT_FOLLOW_UP_OPTIONS: FollowUpOptions = { timeoutMs: 5000, maxTokens: 96, temperature: 0 };

/** Earlier user turns looked at, most recent first. */
const LOOKBACK_TURNS = 6;
/** Characters of each earlier turn read (by the rule and in the model's prompt). */
const MAX_TURN_CHARS = 500;
const MAX_ASSISTANT_CHARS = 400;
/** Messages of the conversation shown to the model. */
const PROMPT_MESSAGES = 6;
/** The earlier topic put before a follow-up, at most. */
const MAX_TOPIC_WORDS = 12;
const MAX_TOPIC_CHARS = 160;
/** A rewrite longer than this is a ramble, not a question. */
export const MAX_REWRITE_CHARS = 300;

/**
 * Words that ask something of a topic without naming one: question words, connectors, quantities,
 * durations and prices, generic verbs, the steps and papers every procedure has, and the pronouns a
 * follow-up points back with. General French (and a little English) question vocabulary, compared
 * after folding and stemming like every other term.
 */
const GENERIC_WORDS = [
  // question words and connectors
  'combien', 'comment', 'quand', 'où', 'pourquoi', 'quoi', 'qui', 'quel', 'quelle', 'quels', 'quelles', 'lequel',
  'laquelle', 'lesquels', 'lesquelles', 'et', 'alors', 'donc', 'mais', 'puis', 'ensuite', 'sinon', 'encore',
  'aussi', 'plutôt', 'pareil', 'idem', 'bon', 'ok', 'concernant', 'propos', 'niveau', 'question',
  // greetings and politeness
  'bonjour', 'bonsoir', 'salut', 'merci', 'svp', 'plaît', 'hello', 'hi', 'thanks', 'please',
  // time and quantity
  'temps', 'délai', 'délais', 'durée', 'longtemps', 'date', 'dates', 'jour', 'jours', 'semaine', 'semaines', 'mois',
  'an', 'ans', 'année', 'années', 'heure', 'heures', 'minute', 'minutes', 'période', 'fois', 'nombre', 'moyenne',
  'minimum', 'maximum', 'déjà', 'toujours', 'bientôt', 'ensuite', 'suite', 'exactement',
  // money
  'coût', 'coûte', 'coûtent', 'coûter', 'prix', 'tarif', 'tarifs', 'frais', 'montant', 'somme', 'payer', 'payant',
  'payante', 'gratuit', 'gratuite', 'cher', 'euros', 'euro',
  // generic verbs
  'faut', 'falloir', 'attendre', 'attente', 'dure', 'durer', 'prend', 'prendre', 'obtenir', 'recevoir', 'avoir',
  'faire', 'aller', 'passer', 'pouvoir', 'peux', 'puis', 'devoir', 'dois', 'vouloir', 'veux', 'savoir', 'sais',
  'fournir', 'joindre', 'envoyer', 'envoi', 'déposer', 'dépôt', 'remplir', 'présenter', 'transmettre', 'contacter',
  'adresser', 'effectuer', 'trouver', 'besoin', 'possible', 'obligatoire', 'nécessaire', 'applique', 'vaut', 'valable',
  // steps and papers of any procedure
  'démarche', 'démarches', 'procédure', 'étape', 'étapes', 'demande', 'demander', 'dossier', 'formulaire',
  'document', 'documents', 'papier', 'papiers', 'pièce', 'pièces', 'justificatif', 'justificatifs', 'récépissé',
  'attestation', 'rendez-vous', 'réponse', 'décision', 'condition', 'conditions', 'ligne', 'internet', 'site',
  'guichet', 'information', 'informations', 'précisément',
  // pronouns and demonstratives pointing back
  'celui', 'celle', 'ceux', 'celles', 'ci', 'dernier', 'dernière', 'derniers', 'dernières', 'auquel', 'duquel',
  // English
  'how', 'long', 'much', 'many', 'time', 'cost', 'costs', 'price', 'fee', 'fees', 'need', 'take', 'takes', 'wait',
  'days', 'weeks', 'months', 'years', 'also', 'then', 'so', 'document', 'documents', 'step', 'steps',
];
const GENERIC = new Set(GENERIC_WORDS.flatMap((w) => terms(w)));

const isNumber = (term: string) => /^\d/.test(term);
const isTopical = (term: string) => !GENERIC.has(term) && !isNumber(term);

/** The content terms of a text that name a topic: not generic question vocabulary, not numbers. */
export function topicalTerms(text: string): string[] {
  return terms(text).filter(isTopical);
}

// --- does the follow-up lean on an earlier turn? -------------------------------------------------

/** Words that may come before the subject of a question: connectors and question words. */
const LEADS = new Set([
  'et', 'mais', 'alors', 'donc', 'puis', 'ensuite', 'sinon', 'bon', 'ok', 'd', 'accord', 'merci', 'aussi', 'combien',
  'comment', 'quand', 'ou', 'pourquoi', 'quel', 'quelle', 'quels', 'quelles', 'est', 'ce', 'que', 'qu', 'a', 'de',
  'temps', 'pour',
]);
const SUBJECT_PRONOUNS = new Set(['il', 'elle', 'ils', 'elles']);
/** "il faut", "il y a", "il existe"…: "il" stands for nothing. */
const IMPERSONAL_AFTER_IL = new Set(['faut', 'y', 'existe', 'suffit', 'reste', 's', 'vaut', 'manque', 'arrive', 'parait', 'semble']);
const DEMONSTRATIVES = new Set(['ca', 'cela', 'ceci', 'celui', 'celle', 'ceux', 'celles', 'lequel', 'laquelle', 'lesquels', 'lesquelles', 'auquel', 'duquel']);
const OBJECT_CLITICS = new Set(['le', 'la', 'les', 'l', 'lui', 'leur', 'en', 'y']);
/** What comes before an object pronoun governing an infinitive: "comment le…", "faut-il la…", "dois-je les…". */
const BEFORE_CLITIC = new Set([
  'comment', 'ou', 'quand', 'pourquoi', 'qui', 'a', 'faut', 'il', 'je', 'on', 'nous', 'vous', 't', 'dois', 'doit',
  'peux', 'peut', 'puis', 'pouvez', 'devez', 'pouvons', 'devons', 'peuvent', 'doivent',
]);

/**
 * True when the follow-up points back at something it does not name: it opens on a personal subject
 * pronoun ("Elle dure combien de temps ?", "Et est-ce qu'il est remboursé ?", not the impersonal "il
 * faut"), uses a demonstrative ("ça", "cela", "celui-ci", "ce dernier", "lequel"), or its only topical
 * word is an infinitive governed by an object pronoun ("Comment le renouveler ?").
 */
export function pointsBack(question: string): boolean {
  const w = words(question);
  let i = 0;
  while (i < w.length && i < 6 && LEADS.has(w[i]!)) i++;
  const subject = w[i];
  if (subject && SUBJECT_PRONOUNS.has(subject)) {
    const next = w[i + 1];
    const impersonal =
      subject === 'il' &&
      ((next !== undefined && IMPERSONAL_AFTER_IL.has(next)) || (next === 'est' && ['de', 'd', 'que', 'qu'].includes(w[i + 3] ?? '')));
    if (!impersonal) return true;
  }
  for (let k = 0; k < w.length; k++) {
    if (DEMONSTRATIVES.has(w[k]!)) return true;
    if (['ce', 'cette', 'ces'].includes(w[k]!) && /^derni(er|ere)s?$/.test(w[k + 1] ?? '')) return true;
  }
  const topical = topicalTerms(question);
  for (let k = 1; k + 1 < w.length; k++) {
    if (!OBJECT_CLITICS.has(w[k]!) || !BEFORE_CLITIC.has(w[k - 1]!)) continue;
    const verb = w[k + 1]!;
    if (!/(er|ir|re|oir)$/.test(verb)) continue;
    const verbTerms = new Set(terms(verb));
    if (topical.every((t) => verbTerms.has(t))) return true;
  }
  return false;
}

/** True when the follow-up cannot be searched alone: it names no topic, or it points back at one. */
export function needsEarlierTopic(question: string): boolean {
  return topicalTerms(question).length === 0 || pointsBack(question);
}

// --- the earlier topic ---------------------------------------------------------------------------

/** Words as written (accents and case kept, hyphenated compounds whole, split at apostrophes). */
const SURFACE_WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;

/**
 * The topic of one turn as words to search for, as written: its content words that are not generic
 * (numbers kept beside a topical word), at most MAX_TOPIC_WORDS words and MAX_TOPIC_CHARS characters;
 * null when the turn names no topic.
 */
export function topicOf(text: string): string | null {
  const out: string[] = [];
  const seen = new Set<string>();
  let topical = false;
  let chars = 0;
  for (const word of text.slice(0, MAX_TURN_CHARS).match(SURFACE_WORD) ?? []) {
    const t = terms(word);
    if (!t.some((x) => !GENERIC.has(x))) continue;
    const key = t.join(' ');
    if (seen.has(key)) continue;
    if (out.length >= MAX_TOPIC_WORDS || chars + word.length + 1 > MAX_TOPIC_CHARS) break;
    seen.add(key);
    out.push(word);
    chars += word.length + 1;
    if (t.some(isTopical)) topical = true;
  }
  return topical ? out.join(' ') : null;
}

/** The topic of the most recent of the last LOOKBACK_TURNS user turns that names one. */
export function earlierTopic(conversation: ChatMessage[]): string | null {
  const users = conversation.filter((m) => m.role === 'user').slice(-LOOKBACK_TURNS);
  for (let i = users.length - 1; i >= 0; i--) {
    const topic = topicOf(users[i]!.content);
    if (topic) return topic;
  }
  return null;
}

/**
 * The deterministic rule. No earlier user turn: the question ('none'). A follow-up with a topic of
 * its own ("Et pour la carte grise ?") is searched alone; one without ("Et combien de temps faut-il
 * attendre le récépissé ?", "Elle coûte combien ?") gets the earlier topic before it, less the words
 * it already has.
 */
export function ruleQuery(question: string, conversation: ChatMessage[] = []): StandaloneQuery {
  if (!conversation.some((m) => m.role === 'user' && m.content.trim())) return { query: question, method: 'none' };
  if (!needsEarlierTopic(question)) return { query: question, method: 'rule' };
  const topic = earlierTopic(conversation);
  if (!topic) return { query: question, method: 'rule' };
  const own = new Set(terms(question));
  const missing = (topic.match(SURFACE_WORD) ?? []).filter((w) => terms(w).some((t) => !own.has(t)));
  if (missing.length === 0) return { query: question, method: 'rule' };
  return { query: `${missing.join(' ')} ${question}`, method: 'rule' };
}

// --- the model's rewrite -------------------------------------------------------------------------

const PROMPT_URL = new URL('./prompts/follow-up.fr.md', import.meta.url);
let prompt: { system: string; user: string } | undefined;

/** The rewrite prompt: the system message, a line `---`, then the user message with {{placeholders}}. */
export function followUpPrompt(): { system: string; user: string } {
  if (!prompt) {
    const text = fs.readFileSync(PROMPT_URL, 'utf8');
    const at = text.indexOf('\n---\n');
    prompt = { system: text.slice(0, at).trim(), user: text.slice(at + 5).trim() };
  }
  return prompt;
}

/** One line of data for the prompt: our delimiting tags removed, whitespace collapsed, bounded. */
function asData(text: string, max: number): string {
  const t = text.replace(/<\/?\s*(conversation|question)\s*>/gi, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** The messages of the rewrite call. Placeholders are filled in one pass, so data cannot add any. */
export function followUpMessages(question: string, conversation: ChatMessage[]): ChatMessage[] {
  const { system, user } = followUpPrompt();
  const lines = conversation
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .slice(-PROMPT_MESSAGES)
    .map((m) => (m.role === 'user' ? `Usager : ${asData(m.content, MAX_TURN_CHARS)}` : `Assistant : ${asData(m.content, MAX_ASSISTANT_CHARS)}`));
  const values: Record<string, string> = { conversation: lines.join('\n'), question: asData(question, MAX_TURN_CHARS * 2) };
  return [
    { role: 'system', content: system },
    { role: 'user', content: user.replace(/\{\{(\w+)\}\}/g, (m, k: string) => values[k] ?? m) },
  ];
}

const PREFIX =
  /^(?:question(?:\s+(?:reformulée|reformulee|autonome|réécrite|reecrite))?|reformulation|requête|requete|standalone question|rewritten question|query|réponse|reponse|answer)\s*[:：]\s*/i;
const REFUSAL = /^(?:je ne (?:peux|sais)|je suis désolé|désolé|desole|en tant qu|i can(?:'|’|no)t|i cannot|sorry|as an ai)/i;

/**
 * The model's reply as one search line, or null when it is not usable: reasoning blocks, code fences,
 * bullets, bold, a "Question :" prefix and enclosing quotes removed; the first non-empty line kept;
 * refused when empty, longer than MAX_REWRITE_CHARS, a refusal, or carrying markup.
 */
export function sanitizeRewrite(reply: string): string | null {
  const text = reply.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, '\n').replace(/```[\w-]*/g, '\n');
  let line = '';
  for (const raw of text.split(/\r?\n/)) {
    let l = raw.trim().replace(/\*\*|__/g, '');
    l = l.replace(/^(?:[-*•>]+|\d+[.)])\s+/, '');
    for (let prev = ''; prev !== l; ) {
      prev = l;
      l = l.replace(PREFIX, '').replace(/^[«»"“”‘’'`\s]+|[«»"“”‘’'`\s]+$/g, '');
    }
    if (l) {
      line = l;
      break;
    }
  }
  line = line.replace(/\s+/g, ' ').trim();
  if ((line.match(/\p{L}/gu) ?? []).length < 3) return null;
  if (line.length > MAX_REWRITE_CHARS) return null;
  if (REFUSAL.test(line)) return null;
  if (/[<>]|\{\{|\}\}/.test(line)) return null;
  return line;
}

/**
 * A sanitised rewrite is kept only if it names something the conversation or the question named: a
 * reply that shares no topical word with them (an injected instruction obeyed, an answer from
 * elsewhere) is not a rewrite of this question.
 */
function groundedIn(rewrite: string, question: string, conversation: ChatMessage[]): boolean {
  const said = new Set(topicalTerms([question, ...conversation.slice(-PROMPT_MESSAGES).map((m) => m.content)].join(' ')));
  if (said.size === 0) return true;
  return topicalTerms(rewrite).some((t) => said.has(t));
}

/**
 * The query to search for a question asked after `conversation` (earlier turns, oldest first). With a
 * model, one short rewrite call; if it fails, times out or returns something unusable, the rule
 * answers (method 'rule'). A cancelled `signal` rejects: the caller is gone.
 */
export async function standaloneQuestion(
  question: string,
  conversation: ChatMessage[],
  llm?: LlmClient | null,
  signal?: AbortSignal,
  options: Partial<FollowUpOptions> = {},
): Promise<StandaloneQuery> {
  const rule = ruleQuery(question, conversation);
  if (rule.method === 'none' || !llm) return rule;
  const opts = { ...DEFAULT_FOLLOW_UP_OPTIONS, ...options };
  const budget = AbortSignal.timeout(opts.timeoutMs);
  try {
    const completion = await llm.complete({
      messages: followUpMessages(question, conversation),
      temperature: opts.temperature,
      maxTokens: opts.maxTokens,
      signal: signal ? AbortSignal.any([signal, budget]) : budget,
    });
    const query = sanitizeRewrite(completion.text);
    if (query && groundedIn(query, question, conversation)) return { query, method: 'model' };
    opts.log?.warn({ reply: completion.text.slice(0, 200) }, 'follow-up rewrite unusable; the rule gives the query');
  } catch (e) {
    if (signal?.aborted) throw e;
    opts.log?.warn({ code: (e as { code?: string }).code, timedOut: budget.aborted }, 'follow-up rewrite failed; the rule gives the query');
  }
  return rule;
}

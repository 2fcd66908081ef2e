/**
 * The agent's own questions, read from the server (GET /v1/answers: the answers stored with the key
 * that asked), so the history follows the agent from one browser to another. A stored answer keeps
 * the conversation it was asked in, which is enough to reopen it in context.
 */
import type { AnswerResult, ConversationTurn } from './answer-types';

export interface HistoryEntry {
  id: string;
  question: string;
  at: string;
  answer: AnswerResult;
  /** The earlier turns of the conversation the question was asked in, oldest first. */
  conversation: ConversationTurn[];
}

/** A row of GET /v1/answers, as far as the history reads it. */
export interface StoredAnswer extends AnswerResult {
  question: string;
  created_at: string;
  status?: string;
  conversation?: ConversationTurn[];
}

export const HISTORY_SIZE = 50;

/** Failed answers (the model server was down) are not offered again: there is nothing to reopen. */
export function historyFromStored(rows: StoredAnswer[]): HistoryEntry[] {
  return rows
    .filter((r) => r.status === undefined || r.status === 'ok')
    .map((r) => ({ id: r.id, question: r.question, at: r.created_at, answer: r, conversation: r.conversation ?? [] }));
}

/** The new entry first, once, the list kept to its size. */
export function addToHistory(list: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...list.filter((e) => e.id !== entry.id)].slice(0, HISTORY_SIZE);
}

/**
 * The turns a reopened entry shows: its earlier turns (with their citations when the history still
 * holds that answer, else as plain text), then the entry itself.
 */
export function reopenedTurns(entry: HistoryEntry, history: HistoryEntry[]): { question: string; answer: AnswerResult }[] {
  const turns: { question: string; answer: AnswerResult }[] = [];
  const c = entry.conversation;
  for (let i = 0; i < c.length; i++) {
    if (c[i]!.role !== 'user') continue;
    const question = c[i]!.content;
    const reply = c[i + 1]?.role === 'assistant' ? c[i + 1]!.content : '';
    const known = history.find((h) => h.question === question && h.answer.answer === reply);
    turns.push({ question, answer: known?.answer ?? { id: '', answer: reply, citations: [], abstained: false } });
  }
  turns.push({ question: entry.question, answer: entry.answer });
  return turns;
}

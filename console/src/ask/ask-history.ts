/**
 * The agent's own questions, kept in this browser (per key) so a refresh or a look back does not
 * lose them. Answers are also stored server-side with the key that asked; this is the agent's view.
 */
import { getSession } from '../dataProvider/session';
import type { AnswerResult } from './answer-types';

export interface HistoryEntry {
  id: string;
  question: string;
  at: string;
  answer: AnswerResult;
  /** Earlier turns of the same conversation (their ids), so a follow-up reopens in context. */
  conversation: string[];
}

const MAX = 50;
const storageKey = () => `cite.history.${getSession()?.name ?? 'anonymous'}`;

export function loadHistory(): HistoryEntry[] {
  try {
    const raw = localStorage.getItem(storageKey());
    const list = raw ? (JSON.parse(raw) as HistoryEntry[]) : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function saveToHistory(entry: HistoryEntry): HistoryEntry[] {
  const list = [entry, ...loadHistory().filter((e) => e.id !== entry.id)].slice(0, MAX);
  try {
    localStorage.setItem(storageKey(), JSON.stringify(list));
  } catch {
    // storage full or disabled: history is a convenience, the answer itself is on screen
  }
  return list;
}

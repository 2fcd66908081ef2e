/**
 * French verb forms that are not also nouns ("écrire", "trouve", "déménagent", but not "demande",
 * "passe" or "permis"). In a question, such a word names the action asked about, rarely its topic:
 * the relevance gate weighs it less than the nouns that carry the topic.
 *
 * The list is derived from the Lefff (Lexique des Formes Fléchies du Français, Benoît Sagot, INRIA;
 * LGPL-LR) through the npm packages french-verbs-lefff (conjugations) and french-words-gender-lefff
 * (nouns), by `deriveVerbForms` below, and shipped gzipped beside this file (see lexicon/README.md):
 * reading the packages' 7 MB of JSON at run time takes seconds, the derived list a few milliseconds.
 * Past participles and gerunds are left out: they are nouns and adjectives as often as verbs
 * ("salarié", "licencié", "suivant").
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fold } from '../text.js';

export const VERB_FORMS_FILE = new URL('./verb-forms.fr.txt.gz', import.meta.url);

/** Tenses kept: infinitive (the key), present, subjunctive, imperative, imperfect, future, conditional. */
const TENSES = ['P', 'S', 'Y', 'I', 'F', 'C'] as const;

type Conjugations = Record<string, Partial<Record<string, Array<string | null>>>>;

/** The sorted, folded verb-only forms of at least three letters. */
export function deriveVerbForms(conjugations: Conjugations, nouns: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const [infinitive, tenses] of Object.entries(conjugations)) {
    forms.add(fold(infinitive));
    for (const tense of TENSES) for (const f of tenses[tense] ?? []) if (f && f !== 'NA') forms.add(fold(f));
  }
  for (const noun of nouns) forms.delete(fold(noun));
  return [...forms].filter((f) => f.length >= 3 && /^[a-z-]+$/.test(f)).sort();
}

let loaded: Set<string> | undefined;

/** The shipped list, read once (about 10 ms and a few MB). */
export function verbForms(): Set<string> {
  loaded ??= new Set(zlib.gunzipSync(fs.readFileSync(VERB_FORMS_FILE)).toString('utf8').split('\n').filter(Boolean));
  return loaded;
}

export function isVerbForm(foldedWord: string): boolean {
  return verbForms().has(foldedWord);
}

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

export const VERB_FORMS_FILE = new URL('./verb-forms.fr.txt.gz', import.meta.url);

/** Tenses kept: infinitive (the key), present, subjunctive, imperative, imperfect, future, conditional. */
const TENSES = ['P', 'S', 'Y', 'I', 'F', 'C'] as const;

type Conjugations = Record<string, Partial<Record<string, Array<string | null>>>>;

/**
 * The sorted, lower-case verb-only forms of at least three letters. Accents are kept: folded, the
 * verb form "payes" would take the participle "payés" with it.
 */
export function deriveVerbForms(conjugations: Conjugations, nouns: Iterable<string>): string[] {
  const lower = (w: string) => w.toLowerCase().normalize('NFC');
  const forms = new Set<string>();
  for (const [infinitive, tenses] of Object.entries(conjugations)) {
    forms.add(lower(infinitive));
    for (const tense of TENSES) for (const f of tenses[tense] ?? []) if (f && f !== 'NA') forms.add(lower(f));
  }
  for (const noun of nouns) forms.delete(lower(noun));
  return [...forms].filter((f) => f.length >= 3 && /^[\p{Ll}-]+$/u.test(f)).sort();
}

let loaded: Set<string> | undefined;

/** The shipped list, read once, on the first question (170,000 forms, ~20 MB of heap). */
export function verbForms(): Set<string> {
  loaded ??= new Set(zlib.gunzipSync(fs.readFileSync(VERB_FORMS_FILE)).toString('utf8').split('\n').filter(Boolean));
  return loaded;
}

/** `word` in lower case, accents as written. */
export function isVerbForm(word: string): boolean {
  return verbForms().has(word.normalize('NFC'));
}

/**
 * The words of a question that can tell whether a source covers it, each with the part it plays.
 * Topic words (nouns, adjectives, identifiers) carry the subject; action words (verb forms:
 * "écrire", "renouveler") and framing words (the vocabulary of asking: "différence", "délai",
 * "conditions") say what is asked about the subject and are found in a relevant source far less
 * often. Their weights scale the inverse document frequency the index gives each word.
 */
import { isVerbForm } from './lexicon/verb-forms.js';
import { fold } from '@cite/core/text/fold.js';
import { STOP_WORDS } from './text.js';
import { articleReferences, compactLegalReferences, referenceWord } from '../search/legal-references.js';
import { withoutCodeAbbreviations } from '../search/legal-codes.js';

export type WordRole = 'topic' | 'action' | 'framing';

export interface QuestionWord {
  /** Folded (lower case, no accents). */
  word: string;
  /** As the question spells it (for messages). */
  text: string;
  role: WordRole;
  /** Names an article (« L1237-19 », the « 1240 » of « article 1240 du code civil »). */
  reference?: boolean;
  /** An article's reference: the code the question names it of (« Code de commerce »), if it does. */
  code?: string;
}

/** How much each role counts, relative to a topic word of the same rarity. */
export const ROLE_WEIGHT: Record<WordRole, number> = { topic: 1, action: 0.3, framing: 0.3 };

/**
 * The finite forms of the auxiliaries « être » and « avoir » (folded). They say nothing of the topic, and
 * the rarer ones weigh like rare nouns: « j'étais » is in five chunks of the labour-law index.
 */
const AUXILIARIES = [
  'suis', 'es', 'sommes', 'etes', 'etais', 'etait', 'etions', 'etiez', 'etaient', 'serai', 'seras', 'serons', 'serez',
  'seront', 'serais', 'serait', 'serions', 'seriez', 'seraient', 'sois', 'soit', 'soyons', 'soyez', 'soient', 'fus',
  'fut', 'fumes', 'futes', 'furent', 'fusse', 'etant', 'avais', 'avait', 'avions', 'aviez', 'avaient', 'aurai',
  'auras', 'aura', 'aurons', 'aurez', 'auront', 'aurais', 'aurait', 'aurions', 'auriez', 'auraient', 'aie', 'aies',
  'ait', 'ayons', 'ayez', 'aient', 'eu', 'eus', 'eut', 'eumes', 'eutes', 'eurent', 'eusse', 'ayant',
];

/**
 * Words of asking: interrogatives, modal and auxiliary forms the stop list keeps, and the generic
 * nouns of administrative questions ("quel est le délai…", "quelles conditions…"). General French,
 * not the vocabulary of any one corpus.
 */
const QUESTION_STOP = new Set([
  ...AUXILIARIES,
  'combien', 'pourquoi', 'lequel', 'laquelle', 'lesquels', 'lesquelles', 'puis', 'peux', 'dois', 'veux', 'veut',
  'dit', 'dire', 'ete', 'faudrait', 'faudra', 'pourrait', 'pourrais', 'pourrai', 'voudrais', 'sais', 'sait', 'savoir',
  'svp', 'merci', 'bonjour', 'what', 'much', 'many',
]);
const FRAMING = new Set([
  'difference', 'differences', 'delai', 'delais', 'duree', 'durees', 'montant', 'montants', 'condition', 'conditions',
  'consequence', 'consequences', 'procedure', 'procedures', 'demarche', 'demarches', 'regle', 'regles', 'loi', 'lois',
  'droit', 'droits', 'obligation', 'obligations', 'possible', 'possibilite', 'possibilites', 'normal', 'plusieurs',
  'lorsque', 'role', 'definition', 'exemple', 'exemples', 'cout', 'prix', 'tarif', 'tarifs', 'date', 'dates', 'moment',
  'modalite', 'modalites', 'document', 'documents', 'justificatif', 'justificatifs', 'information', 'informations',
  'question', 'questions', 'type', 'types', 'situation', 'cas', 'quoi', 'chose', 'choses', 'rules', 'rule',
  'deadline', 'cost', 'price', 'amount', 'requirements',
  // "combien de temps", "depuis longtemps": how long, not what about
  'temps', 'longtemps',
]);

/** `word` folded, `text` as written (lower case): verb forms are told apart by their accents ("payes", "payés"). */
export function roleOf(word: string, text = word): WordRole {
  if (FRAMING.has(word)) return 'framing';
  if (!/\d/.test(word) && isVerbForm(text)) return 'action';
  return 'topic';
}

/**
 * A word, or a word followed by hyphenated numbers (« L1237-19 », « 2023-2024 »): the index holds those
 * numbers with their hyphen (« -19 »), which « 19 » alone never matched.
 */
const WORD = /[\p{L}\p{N}]+(?:-\p{N}+)*/gu;

/** Distinct content words of the question, in order, with their role; an article's reference is one word. */
export function questionWords(question: string): QuestionWord[] {
  const seen = new Set<string>();
  const out: QuestionWord[] = [];
  const articles = new Map(articleReferences(question).map((r) => [referenceWord(r.article), r]));
  for (const text of compactLegalReferences(withoutCodeAbbreviations(question)).toLowerCase().match(WORD) ?? []) {
    const word = fold(text);
    if (seen.has(word) || STOP_WORDS.has(word) || QUESTION_STOP.has(word)) continue;
    if (word.length < 2 && !/\d/.test(word)) continue;
    seen.add(word);
    // a reference is shown as codes write it (« L1237-19 », « 238 bis »), in messages naming what no source holds
    const article = articles.get(word);
    const reference = article !== undefined;
    const code = article?.code;
    const shown = article?.article ?? text;
    out.push({ word, text: shown, role: roleOf(word, text), ...(reference ? { reference } : {}), ...(code ? { code } : {}) });
  }
  return out;
}

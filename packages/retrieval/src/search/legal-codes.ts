/**
 * The codes an article belongs to, as texts name them: « du code du travail », « Code de la sécurité
 * sociale - Article L161-1 », « CSS ». Article numbers repeat from one code to the next (L. 1237-1 exists in
 * the Code du travail and in the Code de commerce): a question naming the code asks for that code's article.
 *
 * The names are those Légifrance titles its codes with (in force, and a few repealed ones still cited). A
 * code named otherwise (« du même code », « du présent code ») names none: the reference's code is then the
 * text's only one, or unknown.
 */
const NAMES = [
  "de l'action sociale et des familles", "de l'artisanat", 'des assurances', "de l'aviation civile",
  "du cinéma et de l'image animée", 'civil', 'de la commande publique', 'de commerce', 'des communes',
  'de la consommation', "de la construction et de l'habitation", 'de la défense', 'des douanes',
  "de l'éducation", 'électoral', "de l'énergie", "de l'entrée et du séjour des étrangers et du droit d'asile",
  "de l'environnement", "de l'expropriation pour cause d'utilité publique", 'forestier',
  'général de la fonction publique', 'général de la propriété des personnes publiques',
  'général des collectivités territoriales', 'général des impôts', 'des impositions sur les biens et services',
  'des juridictions financières', 'de justice administrative', 'de justice militaire',
  'de la justice pénale des mineurs', 'minier', 'monétaire et financier', 'de la mutualité',
  "de l'organisation judiciaire", 'du patrimoine', 'pénal', 'pénitentiaire',
  'des pensions civiles et militaires de retraite', "des pensions militaires d'invalidité et des victimes de guerre",
  'des postes et des communications électroniques', 'de procédure civile', 'de procédure pénale',
  "des procédures civiles d'exécution", 'de la propriété intellectuelle', 'de la recherche',
  "des relations entre le public et l'administration", 'de la route', 'rural et de la pêche maritime',
  'de la santé publique', 'de la sécurité intérieure', 'de la sécurité sociale', 'du service national',
  'du sport', 'du tourisme', 'des transports', 'du travail', 'du travail applicable à Mayotte',
  'du travail maritime', "de l'urbanisme", 'de la voirie routière', 'des marchés publics',
  "de la famille et de l'aide sociale",
].map((name) => `Code ${name}`);

/** Abbreviations legal writing uses after a reference (« L. 161-1 CSS », « art. L. 1234-5 C. trav. »). */
const ABBREVIATIONS: Record<string, string> = {
  CASF: "de l'action sociale et des familles",
  CCH: "de la construction et de l'habitation",
  CESEDA: "de l'entrée et du séjour des étrangers et du droit d'asile",
  CGCT: 'général des collectivités territoriales',
  CGFP: 'général de la fonction publique',
  CGI: 'général des impôts',
  CJA: 'de justice administrative',
  CMF: 'monétaire et financier',
  CPI: 'de la propriété intellectuelle',
  CRPA: "des relations entre le public et l'administration",
  CSP: 'de la santé publique',
  CSS: 'de la sécurité sociale',
  'C. civ.': 'civil',
  'C. com.': 'de commerce',
  'C. pén.': 'pénal',
  'C. trav.': 'du travail',
};

/** Without accents, apostrophes straight: how texts and questions are compared (« securite » is « sécurité »). */
export function foldForCodes(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[’ʼ]/g, "'");
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A folded name as a pattern: any spaces between words, none needed after an apostrophe. */
const pattern = (name: string) => escape(foldForCodes(name)).replace(/' */g, "'\\s*").replace(/ +/g, '\\s+');

/** Spaces, case and accents aside: how a match is looked up. */
const key = (s: string) => foldForCodes(s).toLowerCase().replace(/\s+/g, '');
const CANONICAL = new Map<string, string>([
  ...NAMES.map((n) => [key(n), n] as const),
  ...Object.entries(ABBREVIATIONS).map(([a, n]) => [key(a), `Code ${n}`] as const),
]);
// longest first, so that « du travail applicable à Mayotte » is not read as « du travail »
const byLength = (a: string, b: string) => b.length - a.length;
const NAME = `(?:${[...NAMES].sort(byLength).map(pattern).join('|')})(?![\\p{L}\\p{N}])`;
// as written or folded: « C. pén. », « C. pen. »
const abbreviation = (a: string) => escape(a).replace(/ /g, '\\s*').replace(/é/g, '[eé]');
const ABBREVIATION = `(?:${Object.keys(ABBREVIATIONS).sort(byLength).map(abbreviation).join('|')})(?![\\p{L}\\p{N}])`;
/** Names are matched in any case; abbreviations only as written (« css » is not the Code de la sécurité sociale). */
const ANY_NAME = new RegExp(`(?<![\\p{L}\\p{N}])${NAME}`, 'giu');
const ANY_ABBREVIATION = new RegExp(`(?<![\\p{L}\\p{N}])${ABBREVIATION}`, 'gu');

/** Where each code a folded text names starts and ends, in its order. */
export function codesIn(folded: string): Array<{ code: string; start: number; end: number }> {
  const found = [...folded.matchAll(ANY_NAME), ...folded.matchAll(ANY_ABBREVIATION)].map((m) => ({
    code: CANONICAL.get(key(m[0]))!,
    start: m.index!,
    end: m.index! + m[0].length,
  }));
  return found.sort((a, b) => a.start - b.start);
}

/**
 * The text without the abbreviations of codes (« C. trav. », « CSS »): in a question they say which code a
 * reference belongs to (its code, articleReferences), not words a passage should hold (« trav »).
 */
export function withoutCodeAbbreviations(text: string): string {
  return text.replace(ANY_ABBREVIATION, ' ');
}

/** A folded text without the codes it names (names and abbreviations). */
export function withoutCodes(folded: string): string {
  return folded.replace(ANY_NAME, ' ').replace(ANY_ABBREVIATION, ' ');
}

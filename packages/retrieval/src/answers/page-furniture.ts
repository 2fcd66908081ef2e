/**
 * Text that is part of the page, not of what the page says: form titles ("Demande d'aide au
 * logement (Formulaire)", "Formulaire cerfa n°10840*07"), breadcrumbs, share and print buttons,
 * "Voir aussi" headers, link-only lines. Extractors remove most of it, but titles of forms and
 * online services are body text in service-public fiches and some sites leak their navigation
 * into the main content. Quoting such a line as an answer says nothing, so the extractive answerer
 * never does. Pure, French and English.
 */
import { fold } from '@cite/core/text/fold.js';

/** A list bullet or number, dropped before judging a line. */
const BULLET = /^\s*(?:[-*•]|\d{1,2}[.)°])\s+/;

/** A form number: "cerfa n°15186*03", "n° 12345*01", "10840*07". */
const FORM_NUMBER = /\bcerfa\b|\b\d{5}\s?\*\s?\d{2}\b/;
/** What service-public appends to the title of a pointer: "Demande de … (Formulaire)". */
const POINTER_SUFFIX = /\((?:formulaire|service en ligne|teleservice|modele de document|simulateur|notice|form|online service)\b[^)]*\)[\s.]*$/;
/** Titles of forms and resources start like this. */
const TITLE_START = /^(?:formulaire|cerfa|notice|modele de (?:lettre|document)|demande|declaration|attestation|formulario)\b/;
/** Calls to action that are link texts, not statements. */
const CALL_TO_ACTION =
  /^(?:acceder|telecharger|consulter|remplir|faire|imprimer|effectuer|utiliser) (?:(?:au|le|la|les|a la|a l'|en ligne|votre|sa|ma) ?)*(?:formulaire|service en ligne|teleservice|simulateur|demarche en ligne|demarche|notice|modele)\b/;

/** Lines that are navigation when they are all the line says (folded, punctuation trimmed). */
const NAVIGATION_LINES = new Set([
  'accueil', 'home', 'menu', 'sommaire', 'imprimer', 'partager', 'partager la page', 'partager cette page', 'envoyer',
  'envoyer par courriel', 'copier le lien', 'haut de page', 'retour en haut', 'retour en haut de page', 'retour',
  'voir aussi', 'voir plus', 'lire la suite', 'en savoir plus', 'pour en savoir plus', 'afficher plus', 'fermer',
  'rechercher', 'telecharger', 'ou s\'adresser', 'textes de reference', 'references', 'services en ligne et formulaires',
  'questions reponses', 'questions ? reponses !', 'a lire aussi', 'sur le meme sujet', 'liens utiles', 'print', 'share',
  'see also', 'read more', 'back to top', 'skip to content', 'aller au contenu', 'aller au menu', 'passer au contenu',
  'vous etes ici', 'fil d\'ariane', 'et aussi', 'formulaire', 'service en ligne', 'simulateur', 'modele de document',
]);
/** Headers of link sections, whether they head a section or start a line (folded). */
const LINK_SECTION = "voir aussi|sur le meme sujet|liens utiles|et aussi";
/** Section headers that introduce links; a short line starting with them is navigation. */
const NAVIGATION_START = new RegExp(
  `^(?:${LINK_SECTION}|pour en savoir plus|en savoir plus|a lire aussi|questions ?\\?? ?reponses|services en ligne et formulaires|textes de reference|ou s'adresser|vous etes ici|fil d'ariane|see also|related)\\b`,
);
/** Page dating lines ("Vérifié le 01 janvier 2024 - Direction de l'information légale…"). */
const DATING = /^(?:verifie|mis a jour|mise a jour|modifie|publie|derniere mise a jour)\b.{0,20}\b\d{1,4}\b/;
const SHARE_WORDS = new Set(['imprimer', 'partager', 'facebook', 'twitter', 'linkedin', 'courriel', 'email', 'mail', 'envoyer', 'copier', 'lien', 'x', 'whatsapp', 'print', 'share']);
/** A Markdown link or a bare address, alone on its line. */
// (an address runs to the first space: what follows it may only be punctuation)
const LINK_ONLY = /^(?:\[[^\]]*\]\([^)]*\)[\s.;,]*|(?:<?https?:\/\/|www\.)\S+(?:\s[\s.;,]*)?)$/;

function wordCount(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

/** The title of a form, an online service or a model letter, not a sentence about it. */
export function isFormTitle(text: string): boolean {
  const f = fold(text.replace(BULLET, '')).trim();
  if (!f) return false;
  if (POINTER_SUFFIX.test(f) || CALL_TO_ACTION.test(f)) return true;
  if (/^formulaire\b/.test(f) && !/[.!?]$/.test(f)) return true;
  if (FORM_NUMBER.test(f)) {
    // A statement may name a form ("Vous devez remplir le formulaire cerfa n°15186*03."): it ends
    // like a sentence and does not start like a title.
    const sentence = /[.!?…]["»”)]?$/.test(f);
    if (!sentence || (TITLE_START.test(f) && wordCount(f) <= 15)) return true;
  }
  return false;
}

/** Breadcrumbs, share/print buttons, "Voir aussi" headers, dating lines, a lone link. */
export function isNavigationText(text: string): boolean {
  const raw = text.replace(BULLET, '').trim();
  if (!raw) return false;
  if (LINK_ONLY.test(raw)) return true;
  const f = fold(raw);
  const bare = f.replace(/[\s:.;,!?»«"“”()-]+$/g, '').replace(/^[\s«"“]+/, '').replace(/\s+/g, ' ');
  if (NAVIGATION_LINES.has(bare)) return true;
  const words = wordCount(bare);
  // Breadcrumbs: "Accueil > Famille > Médiation", or several levels joined by › or >.
  if (/^(?:accueil|home)\s*(?:[>›/|]|$)/.test(bare) || (bare.match(/\s[>›]\s/g)?.length ?? 0) >= 2) return true;
  if (NAVIGATION_START.test(bare) && words <= 15) return true;
  if (DATING.test(bare) && words <= 25) return true;
  const tokens = bare.split(/[^a-z]+/).filter(Boolean);
  const share = tokens.filter((t) => SHARE_WORDS.has(t)).length;
  if (share >= 2 && tokens.length <= 10) return true;
  return false;
}

/**
 * Headings of the sections that only point elsewhere: « À lire sur service-public.fr », « Voir aussi »,
 * « Services en ligne ». What such a section lists are titles of other pages (« Quelle est la durée de la
 * période d'essai d'un contrat de mission ? »), however close to the question their words are. Not « En
 * savoir plus sur … » or « Pour aller plus loin »: ministry pages put content under them (« L'aide à
 * l'insertion professionnelle peut être modulée en fonction … »).
 */
const NAVIGATION_HEADING = new RegExp(`^(?:${LINK_SECTION}|a lire|a consulter|services en ligne|formulaires?)\\b`);

export function isNavigationHeading(heading: string): boolean {
  return NAVIGATION_HEADING.test(fold(heading).trim().replace(/^[\s«"“]+/, ''));
}

/** Either: never quoted as a sentence, never accepted as a list item of a quoted list. */
export function isPageFurniture(text: string): boolean {
  return isNavigationText(text) || isFormTitle(text);
}

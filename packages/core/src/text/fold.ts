/**
 * The one text folding of the engine: lower case, accents removed, ligatures expanded ("Œuvre à l'État" →
 * "oeuvre a l'etat"). The answer gate's key terms, extractive answers, evaluation matching and the hash
 * embedder's n-grams all fold with it, so a word folds the same wherever it is compared.
 */
export function fold(text: string): string {
  // pure ASCII needs no Unicode normalisation (most of the cost on long texts)
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

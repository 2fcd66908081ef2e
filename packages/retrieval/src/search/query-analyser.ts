/**
 * The text search configuration every query is analysed with (migration 0330): the index's own analyser
 * (cite_french: accents folded, French stems) that also drops the accented stop words ("à", "même", "été"…),
 * which the index's analyser lets through once their accents are folded. A query word that is not a stop
 * word gets the lexeme the index holds for it.
 */
export const QUERY_ANALYSER = 'cite_french_query';

/**
 * Saying no: the statement Cité returns instead of an answer, with the reason (the relevance gate's,
 * relevance-gate.ts, or the model's own) and the closest sources, so the agent knows what was
 * searched and where to look.
 */
import type { AnswerLanguage } from './language.js';
import type { AbstainCode, GateDecision } from './relevance-gate.js';
import type { RetrievedPassage } from './types.js';

export interface ClosestSource {
  url: string;
  title: string;
  chunk_id: number | string;
}

/** Distinct documents among the passages, best first. */
export function closestSources(passages: RetrievedPassage[], max = 3): ClosestSource[] {
  const seen = new Set<string>();
  const out: ClosestSource[] = [];
  for (const p of passages) {
    if (seen.has(p.document.url)) continue;
    seen.add(p.document.url);
    out.push({ url: p.document.url, title: p.document.title || p.document.url, chunk_id: p.chunk_id });
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Beyond the gate's codes: the model declined, or the passages that cover the question hold nothing an
 * extractive answer may quote (links to other pages, titles, questions, lines without any of its words).
 */
export type AbstainReasonCode = AbstainCode | 'model_declined' | 'nothing_to_quote';

const quoteWords = (words: readonly string[], language: AnswerLanguage) => {
  const quoted = words.slice(0, 5).map((w) => (language === 'fr' ? `« ${w} »` : `"${w}"`));
  return quoted.join(', ');
};

/** Why the gate declined, in the question's language, naming the words no source covers. */
export function gateReason(language: AnswerLanguage, d: Pick<GateDecision, 'code' | 'missing' | 'unknown' | 'terms'>): string {
  const fr = language === 'fr';
  switch (d.code) {
    case 'no_terms':
      return fr
        ? 'La question ne contient aucun terme précis à rechercher : précisez le sujet (une démarche, un droit, un texte).'
        : 'The question has no specific term to search for: say what it is about (a procedure, a right, a text).';
    case 'no_passages':
      return fr ? 'Aucune source disponible ne correspond à la recherche.' : 'No available source matches the search.';
    case 'unknown_terms':
      return fr
        ? `Aucune source disponible ne mentionne ${quoteWords(d.unknown, language)}.`
        : `No available source mentions ${quoteWords(d.unknown, language)}.`;
    case 'article_not_found':
      return fr
        ? `Aucun passage des sources trouvées ne cite l'article ${quoteWords(d.missing, language)}.`
        : `No passage of the sources found cites article ${quoteWords(d.missing, language)}.`;
    case 'terms_not_together':
      return fr
        ? `Aucun passage des sources ne traite ensemble des termes clés de la question ; manquent notamment ${quoteWords(d.missing, language)}.`
        : `No passage of the sources deals with the question's key terms together; missing, among others: ${quoteWords(d.missing, language)}.`;
    default: {
      const key = quoteWords(d.terms.filter((t) => t.role === 'topic').map((t) => t.text), language);
      return fr
        ? `Les sources ne font que mentionner en passant les termes clés de la question${key ? ` (${key})` : ''}.`
        : `The sources only mention the question's key terms in passing${key ? ` (${key})` : ''}.`;
    }
  }
}

/**
 * `articles`: those the question names (« L1234-1 »): the passages covering it name them, but only in passing or
 * in a list of sources, without saying what they say.
 */
export function nothingToQuoteReason(language: AnswerLanguage, articles: readonly string[] = []): string {
  if (articles.length) {
    const named = quoteWords(articles, language);
    return language === 'fr'
      ? `Les sources trouvées citent l'article ${named} sans en dire le contenu (une liste de références, un renvoi) : consultez les sources les plus proches ou le texte de l'article.`
      : `The sources found cite article ${named} without saying what it says (a list of references, a cross-reference): see the closest sources or the article's text.`;
  }
  return language === 'fr'
    ? "Les passages qui traitent de la question ne contiennent rien à citer qui y réponde (des liens vers d'autres pages, des titres, des questions, des lignes sans aucun de ses mots) : consultez les sources les plus proches."
    : 'The passages on the question hold nothing to quote that answers it (links to other pages, titles, questions, lines without any of its words): see the closest sources.';
}

export function refusalReason(language: AnswerLanguage, refusal: { explanation: string | null }): string {
  const head = language === 'fr' ? 'Le modèle a jugé que les sources ne permettent pas de répondre' : 'The model found that the sources do not answer the question';
  return refusal.explanation ? `${head}${language === 'fr' ? ' : ' : ': '}${refusal.explanation}` : `${head}.`;
}

/** The plain statement returned instead of an answer. */
export function abstentionText(language: AnswerLanguage, closest: ClosestSource[], reason?: string): string {
  const list = closest.map((c) => `- ${c.title} — ${c.url}`).join('\n');
  if (language === 'en') {
    const head = `I could not find information relevant enough in the available sources to answer this question, so I will not answer it.${reason ? `\n\n${reason}` : ''}`;
    return closest.length ? `${head}\n\nClosest sources:\n${list}` : head;
  }
  const head = `Je n'ai pas trouvé, dans les sources disponibles, d'information suffisamment pertinente pour répondre à cette question : je préfère ne pas répondre.${reason ? `\n\n${reason}` : ''}`;
  return closest.length ? `${head}\n\nSources les plus proches :\n${list}` : head;
}

/**
 * Questions naming an article of a code, for `npm run bench:abstain -- --articles N`: N articles of the
 * indexed Code du travail, drawn by a hash of their URL (the same ones on every run over the same corpus),
 * each asked for in three spellings: « article L1234-5 » (as Légifrance titles it), « article L. 1234-5 » (as
 * legal texts write it) and « Que dit l'article L. 1234-5 du code du travail ? ». Prints, per spelling, how
 * often search ranks the article's own page first and in its ten first (MRR@10), and how often an answer
 * is given and cites the article. Generated from the index's titles, not written by hand. `--articles-offset
 * 200` draws the held-out articles.
 */
import type { Database } from '@cite/core/db/database.js';
import type { AnswerService, Retriever } from '@cite/retrieval/answers/answer-service.js';

const SPELLINGS: Record<string, (letter: string, number: string) => string> = {
  compact: (l, n) => `article ${l}${n}`,
  dotted: (l, n) => `article ${l}. ${n}`,
  question: (l, n) => `Que dit l'article ${l}. ${n} du code du travail ?`,
};

export interface ArticleReferenceFigures {
  spelling: string;
  articles: number;
  top1: number;
  top10: number;
  mrr10: number;
  answered: number;
  cited: number;
}

/** `offset`: skip that many articles of the draw (the method was developed on the first 200; 200 on is held out). */
export async function articleReferenceFigures(
  db: Database,
  retrieve: Retriever,
  answers: AnswerService,
  n: number,
  offset = 0,
): Promise<ArticleReferenceFigures[]> {
  const { rows } = await db.query<{ title: string; url: string }>(
    `SELECT title, url FROM documents WHERE title ~ '^Code du travail - Article [LRD][0-9]{4}(-[0-9]+)+$' ORDER BY md5(url) LIMIT $1 OFFSET $2`,
    [n, offset],
  );
  const out: ArticleReferenceFigures[] = [];
  for (const [spelling, write] of Object.entries(SPELLINGS)) {
    let top1 = 0, top10 = 0, rr = 0, answered = 0, cited = 0;
    for (const { title, url } of rows) {
      const [, letter, number] = /Article ([LRD])([0-9]{4}-[0-9-]+)$/.exec(title)!;
      const question = write(letter!, number!);
      const found = await retrieve({ query: question, k: 10, allowedCollections: null });
      const rank = found.findIndex((p) => p.document.url === url);
      if (rank === 0) top1++;
      if (rank >= 0) { top10++; rr += 1 / (rank + 1); }
      const a = await answers.ask({ question, caller: { keyId: null, collections: null } });
      if (!a.abstained) {
        answered++;
        if (a.citations.some((c) => c.url === url)) cited++;
      }
    }
    const share = (x: number) => Math.round((x / Math.max(rows.length, 1)) * 1000) / 1000;
    out.push({ spelling, articles: rows.length, top1: share(top1), top10: share(top10), mrr10: share(rr), answered: share(answered), cited: share(cited) });
  }
  return out;
}

/**
 * Questions naming an article of a code, for `npm run bench:abstain -- --articles N`: N articles of the
 * indexed Code du travail, drawn by a hash of their URL (the same ones on every run over the same corpus),
 * each asked for in three spellings: « article L1234-5 » (as Légifrance titles it), « article L. 1234-5 » (as
 * legal texts write it) and « Que dit l'article L. 1234-5 du code du travail ? »; then asked of another code
 * (« … du code de la sécurité sociale ? ») and as an article of the Code civil (« Que dit l'article 1234 du
 * code civil ? »), both to be declined. Prints, per spelling, how often search ranks the article's own page
 * first and in its ten first (MRR@10), and how often an answer is given and cites the article. Generated from the index's titles, not written by hand. `--articles-offset
 * 200` draws the held-out articles.
 */
import type { Database } from '@cite/core/db/database.js';
import type { AnswerService, Retriever } from '@cite/retrieval/answers/answer-service.js';

const SPELLINGS: Record<string, (letter: string, number: string) => string> = {
  compact: (l, n) => `article ${l}${n}`,
  dotted: (l, n) => `article ${l}. ${n}`,
  question: (l, n) => `Que dit l'article ${l}. ${n} du code du travail ?`,
  // the same number in a code the index does not hold: the Code du travail's article is not the answer
  'other code': (l, n) => `Que dit l'article ${l}. ${n} du code de la sécurité sociale ?`,
  // an article of the Code civil, numbered without a letter, that the index does not hold: its number is the
  // first part of the drawn article's (« 1234 » of L1234-5), which the pages citing L. 1234-x hold
  'code civil': (_l, n) => `Que dit l'article ${n.split('-')[0]} du code civil ?`,
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

export interface CitedArticleFigures {
  /** Distinct references the index's texts cite (« L. 1234-5 »). */
  references: number;
  asked: number;
  answered: number;
  /** Answers citing a passage whose text names the article. */
  citingIt: number;
  /** The same references asked of the Code de la sécurité sociale, which the index does not cite them from. */
  otherCodeAnswered: number;
}

/**
 * For an index that cites articles without holding them (the demo corpus: `--data-dir ./data --cited 100`):
 * N of the references its passages write (« L. 1234-5 »), drawn by a hash of the chunk, asked for as
 * « Que dit l'article L. 1234-5 du code du travail ? ». Counts the answers, and those citing a passage that
 * names the article.
 */
export async function citedArticleFigures(db: Database, answers: AnswerService, n: number): Promise<CitedArticleFigures> {
  const { rows } = await db.query<{ id: string; text: string }>(`SELECT id::text AS id, text FROM chunks ORDER BY md5(id::text)`);
  const references = new Map<string, string>();
  for (const r of rows) {
    for (const m of r.text.matchAll(/\b([LRD])\. ?([0-9]{4}-[0-9]+(?:-[0-9]+)*)(?![0-9-])/g)) {
      if (!references.has(m[1]! + m[2]!)) references.set(m[1]! + m[2]!, `${m[1]}. ${m[2]}`);
    }
  }
  const textOf = new Map(rows.map((r) => [r.id, r.text]));
  let answered = 0;
  let citingIt = 0;
  let otherCodeAnswered = 0;
  const asked = [...references.values()].slice(0, n);
  const caller = { keyId: null, collections: null };
  for (const reference of asked) {
    const other = await answers.ask({ question: `Que dit l'article ${reference} du code de la sécurité sociale ?`, caller });
    if (!other.abstained) otherCodeAnswered++;
    const a = await answers.ask({ question: `Que dit l'article ${reference} du code du travail ?`, caller });
    if (a.abstained) continue;
    answered++;
    const written = new RegExp(`${reference[0]}\\.? ?${reference.slice(3)}(?![0-9-])`);
    if (a.citations.some((c) => written.test(textOf.get(String(c.chunk_id)) ?? ''))) citingIt++;
  }
  return { references: references.size, asked: asked.length, answered, citingIt, otherCodeAnswered };
}

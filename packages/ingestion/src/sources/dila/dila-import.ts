/**
 * Applies DILA LEGI / KALI dumps to a source: full archives and daily increments, in the order DILA
 * produced them (the date in their names), each read as one stream (dila-archive.ts).
 *
 * - Each article version in force at the import date becomes one document (dila-article.ts), keyed by
 *   its Légifrance URL: a new version of an article arrives with the old one marked MODIFIE, whose
 *   document is then removed, so the article is found once, as it reads today. Versions not yet in force
 *   (VIGUEUR_DIFF, a DATE_DEBUT to come) and no longer in force (MODIFIE, ABROGE, a DATE_FIN past) are kept
 *   out, and their documents removed when an earlier import had them.
 * - `liste_suppression_*.dat` removes the articles it names; a line naming a whole text (its last id a
 *   LEGITEXT / KALITEXT, or a KALICONT agreement) removes every article of it the source holds, found by the
 *   text id each article's document carries in its metadata (the list does not name their articles).
 * - An archive applied before (by name) is skipped, and so is an increment a later one already
 *   followed: applying it would bring back older versions. The latest applied is recorded per base
 *   (dila_imports) only once the archive was read to its end.
 * - Per-file problems (XML that does not parse, an article naming no text) are recorded in ingest_errors
 *   through the indexer and the rest goes on; a truncated archive keeps what it held before the damage
 *   (each document written whole) but is not recorded as applied: once repaired it is applied again, and
 *   applying an archive twice changes nothing.
 */
import type { Logger } from 'pino';
import { isCiteError } from '@cite/core/errors.js';
import { markDocumentsDeletedByMetadata } from '@cite/index/documents-repo.js';
import type { ExtractOutcome } from '../../extractors/extract.js';
import type { PageIndexer } from '../../worker/page-indexer.js';
import { ARTICLE_ID, articleDocument, articleUrls, inForce, parseArticle, type DilaArticle, type DilaBase } from './dila-article.js';
import { MAX_ARTICLE_BYTES, readDilaArchive, sniffDumpInfo, type DumpInfo } from './dila-archive.js';
import { lastAppliedDump, recordAppliedDump, wasApplied } from './dila-repo.js';

/**
 * Which texts to import. Empty lists = no restriction; otherwise an article is imported when it matches
 * any of the criteria given (so "the Code du travail and IDCC 1486" is `texts` + `idcc`).
 */
export interface DilaFilter {
  /** LEGITEXT… (a code or another text), KALICONT… (an agreement) or KALITEXT… (one of its texts). */
  texts: string[];
  /** Natures of LEGI texts: CODE (all codes), LOI, DECRET, ORDONNANCE, ARRETE… */
  natures: string[];
  /** KALI agreements by IDCC ("1486"). */
  idcc: string[];
}

export const NO_FILTER: DilaFilter = { texts: [], natures: [], idcc: [] };

export function matchesFilter(a: DilaArticle, f: DilaFilter): boolean {
  if (!f.texts.length && !f.natures.length && !f.idcc.length) return true;
  if (f.texts.includes(a.text.id) || (a.agreement && f.texts.includes(a.agreement.id))) return true;
  if (a.base === 'LEGI' && f.natures.some((n) => n.toUpperCase() === a.text.nature)) return true;
  if (a.agreement?.idcc && f.idcc.some((i) => i.replace(/^0+/, '') === a.agreement!.idcc!.replace(/^0+/, ''))) return true;
  return false;
}

/**
 * Whether an entry may hold an article the filter keeps, judged on its path alone, so that a full dump
 * filtered to one code skips parsing the other texts' millions of files. LEGI paths name the text
 * (`…/LEGITEXT000006072050/article/…`); KALI paths name the agreement's texts, not its IDCC: only a filter
 * naming no KALI criterion at all rules KALI entries out.
 */
export function pathMayMatch(name: string, f: DilaFilter): boolean {
  if (!f.texts.length && !f.natures.length && !f.idcc.length) return true;
  if (/(^|\/)kali\//.test(name)) return f.idcc.length > 0 || f.texts.some((t) => t.startsWith('KALI'));
  const text = /\/(LEGITEXT\d{12})\/article\//.exec(name)?.[1];
  if (!text || f.natures.length) return true;
  return f.texts.includes(text);
}

export interface DilaImportTarget {
  collectionId: number;
  sourceId: number;
  runId: number;
  maskPersonalData?: boolean;
}

export interface DilaImportOptions {
  filter: DilaFilter;
  /** The import date: versions in force on this day are indexed. */
  now?: Date;
  log?: Logger;
}

export type DilaIndexer = Pick<PageIndexer, 'indexStream' | 'markDeleted'>;

export interface DilaArchiveResult {
  archive: string;
  base?: DilaBase;
  type?: 'full' | 'increment';
  dumpedAt?: string;
  /** applied: read whole and recorded; partial: damaged, what it held before is kept; skipped/refused: not read. */
  status: 'applied' | 'partial' | 'skipped' | 'refused';
  message?: string;
  /** Why it was refused or left partial (DILA_INCREMENT_OUT_OF_ORDER, DILA_ARCHIVE_TRUNCATED…). */
  code?: string;
  /** Article versions in force written (new or changed) or found unchanged. */
  indexed: number;
  unchanged: number;
  /** Files that could not be read (their errors are in ingest_errors). */
  failed: number;
  /** The first of them, and all of them by code (DILA_ARTICLE_INVALID, DILA_ENTRY_TOO_LARGE…). */
  errors?: Array<{ location: string; code: string; message: string }>;
  failedByCode?: Record<string, number>;
  /** Documents removed: versions no longer in force, articles of the deletion list. */
  removed: number;
  /** Versions not in force at the import date, and articles outside the filter: not indexed. */
  notInForce: number;
  filteredOut: number;
}

/** The metadata every article of a text listed for deletion carries (DilaArticleMetadata), or undefined for an article or section id. */
function textKey(id: string): Record<string, string> | undefined {
  if (/^(LEGI|KALI)TEXT\d{12}$/.test(id)) return { text_id: id };
  if (/^KALICONT\d{12}$/.test(id)) return { agreement_id: id };
  return undefined;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A dump's date may be ahead of this machine's clock by this much (time zones, a clock a little behind). */
const FUTURE_TOLERANCE_MS = 2 * 24 * 3600 * 1000;

/** Applies the dumps among `files` in DILA's order; one result per file, in that order. */
export async function importDilaDumps(
  db: Parameters<typeof lastAppliedDump>[0],
  indexer: DilaIndexer,
  target: DilaImportTarget,
  files: string[],
  options: DilaImportOptions,
): Promise<DilaArchiveResult[]> {
  const dated: Array<{ file: string; info: DumpInfo }> = [];
  const results: DilaArchiveResult[] = [];
  for (const file of files) {
    const info = await sniffDumpInfo(file);
    if (info) dated.push({ file, info });
    else {
      const message = `${file}: not a dated DILA dump (Freemium_legi_global_YYYYMMDD-HHMMSS.tar.gz, LEGI_YYYYMMDD-HHMMSS.tar.gz, or entries under YYYYMMDD-HHMMSS/legi/)`;
      await recordFailure(indexer, target, file, 'DILA_DUMP_UNDATED', message);
      results.push(emptyResult(file, 'refused', message, undefined, 'DILA_DUMP_UNDATED'));
    }
  }
  // full dumps first at equal dates: the increment of the same day builds on them
  const rank = (i: DumpInfo) => (i.type === 'full' ? 0 : 1);
  dated.sort((a, b) => a.info.dumpedAt.getTime() - b.info.dumpedAt.getTime() || rank(a.info) - rank(b.info));
  // an increment builds on the one before: after a damaged one, the later ones of its base wait for it to be
  // applied again, repaired (applied now, they would make the repaired one « out of order » for good)
  const damaged = new Map<DilaBase, string>();
  for (const { file, info } of dated) {
    const before = damaged.get(info.base);
    if (before && info.type === 'increment') {
      const message = `${info.name} builds on ${before}, which could not be read whole: apply ${before} again once repaired, then this one`;
      await recordFailure(indexer, target, info.name, 'DILA_EARLIER_DUMP_PARTIAL', message);
      results.push(emptyResult(info.name, 'refused', message, info, 'DILA_EARLIER_DUMP_PARTIAL'));
      continue;
    }
    const result = await importOne(db, indexer, target, file, info, options);
    if (result.status === 'partial') damaged.set(info.base, info.name);
    else if (result.status === 'applied' && info.type === 'full') damaged.delete(info.base);
    results.push(result);
  }
  return results;
}

function emptyResult(archive: string, status: DilaArchiveResult['status'], message?: string, info?: DumpInfo, code?: string): DilaArchiveResult {
  return {
    archive,
    ...(info ? { base: info.base, type: info.type, dumpedAt: info.dumpedAt.toISOString() } : {}),
    status,
    ...(message ? { message } : {}),
    ...(code ? { code } : {}),
    indexed: 0, unchanged: 0, failed: 0, removed: 0, notInForce: 0, filteredOut: 0,
  };
}

/** Records one failure in ingest_errors through the indexer (the one writer of run errors). */
async function recordFailure(indexer: DilaIndexer, target: DilaImportTarget, location: string, code: string, message: string): Promise<void> {
  async function* one(): AsyncGenerator<ExtractOutcome> {
    yield { ok: false, location, code, message };
  }
  await indexer.indexStream(one(), ctxOf(target), false);
}

const ctxOf = (t: DilaImportTarget) => ({ collectionId: t.collectionId, sourceId: t.sourceId, runId: t.runId, maskPersonalData: !!t.maskPersonalData });

async function importOne(
  db: Parameters<typeof lastAppliedDump>[0],
  indexer: DilaIndexer,
  target: DilaImportTarget,
  file: string,
  info: DumpInfo,
  options: DilaImportOptions,
): Promise<DilaArchiveResult> {
  const log = options.log?.child({ archive: info.name });
  if (await wasApplied(db, target.sourceId, info.name)) {
    return emptyResult(info.name, 'skipped', `${info.name} was already applied to this source: nothing to do`, info);
  }
  // a date ahead of the clock would make every real dump after it « out of order », full ones included
  const now = options.now ?? new Date();
  if (info.dumpedAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    const message = `${info.name} is dated ${info.dumpedAt.toISOString()}, after today: not a DILA dump as published; it is not applied`;
    await recordFailure(indexer, target, info.name, 'DILA_DUMP_DATE_IN_FUTURE', message);
    log?.warn({ code: 'DILA_DUMP_DATE_IN_FUTURE' }, message);
    return emptyResult(info.name, 'refused', message, info, 'DILA_DUMP_DATE_IN_FUTURE');
  }
  const last = await lastAppliedDump(db, target.sourceId, info.base);
  if (last && info.dumpedAt.getTime() <= last.dumpedAt.getTime()) {
    const message =
      `${info.name} (${info.dumpedAt.toISOString()}) is not newer than ${last.archive} (${last.dumpedAt.toISOString()}), already applied: ` +
      `applying it now would bring back older versions; it is not applied (import a newer full dump to start again)`;
    await recordFailure(indexer, target, info.name, 'DILA_INCREMENT_OUT_OF_ORDER', message);
    log?.warn({ code: 'DILA_INCREMENT_OUT_OF_ORDER' }, message);
    return emptyResult(info.name, 'refused', message, info, 'DILA_INCREMENT_OUT_OF_ORDER');
  }

  const day = isoDay(now);
  const result = emptyResult(info.name, 'applied', undefined, info);
  const indexedUrls = new Set<string>();
  const retired = new Set<string>();
  const deletions: string[] = [];
  let damage: { code: string; message: string } | undefined;
  // A full dump holds every version ever published (LEGI: millions): into a source that had none, nothing is
  // to be retired; over earlier imports, versions are retired as they are read, never held in a set.
  const retirement: 'none' | 'streamed' | 'after' = info.type === 'increment' ? 'after' : last ? 'streamed' : 'none';

  async function* outcomes(): AsyncGenerator<ExtractOutcome> {
    try {
      for await (const entry of readDilaArchive(file)) {
        if (entry.kind === 'deletions') for (const id of entry.ids) deletions.push(id);
        if (entry.kind !== 'article' && entry.kind !== 'oversized') continue;
        if (!pathMayMatch(entry.name, options.filter)) {
          result.filteredOut++;
          continue;
        }
        const location = `${info.name}!${entry.name}`;
        if (entry.kind === 'oversized') {
          const message = `${entry.name}: ${entry.size} bytes, more than an article can hold (${MAX_ARTICLE_BYTES})`;
          yield { ok: false, location, code: 'DILA_ENTRY_TOO_LARGE', message };
          continue;
        }
        let article: DilaArticle;
        try {
          article = parseArticle(entry.data, day);
        } catch (e) {
          yield { ok: false, location, code: isCiteError(e) ? e.code : 'DILA_ARTICLE_INVALID', message: `${entry.name}: ${(e as Error).message}` };
          continue;
        }
        if (!matchesFilter(article, options.filter)) {
          result.filteredOut++;
          continue;
        }
        const doc = articleDocument(article);
        if (!inForce(article, day)) {
          result.notInForce++;
          if (retirement === 'after') retired.add(doc.url);
          else if (retirement === 'streamed' && (await indexer.markDeleted(target.collectionId, doc.url))) result.removed++;
          continue;
        }
        if (retirement === 'after') indexedUrls.add(doc.url);
        yield { ok: true, location, document: doc };
      }
    } catch (e) {
      damage = { code: isCiteError(e) ? e.code : 'DILA_ARCHIVE_TRUNCATED', message: (e as Error).message };
      yield { ok: false, location: info.name, ...damage };
    }
  }

  const counts = await indexer.indexStream(outcomes(), ctxOf(target), false);
  result.indexed = counts.indexed;
  result.unchanged = counts.unchanged;
  result.failed = counts.failed;
  if (counts.failed) {
    result.errors = counts.errors ?? [];
    result.failedByCode = counts.failedByCode ?? {};
  }

  // after the writes: a version replaced in this archive leaves search once its successor is in
  const toRemove = new Set<string>(retired);
  for (const id of deletions) if (ARTICLE_ID.test(id)) for (const url of articleUrls(id)) toRemove.add(url);
  for (const url of toRemove) {
    if (indexedUrls.has(url)) continue;
    if (await indexer.markDeleted(target.collectionId, url)) result.removed++;
  }
  // a text's file listed as removed while the same archive brings its articles (a text moved to another
  // folder): those articles stay, as an article listed and brought again does
  const written = [...indexedUrls];
  for (const id of new Set(deletions)) {
    const text = textKey(id);
    if (text) result.removed += await markDocumentsDeletedByMetadata(db, target.sourceId, text, written);
  }

  if (damage) {
    result.status = 'partial';
    result.code = damage.code;
    result.message = `${damage.message}; the articles read before the damage are indexed, the archive is not recorded as applied`;
    log?.warn({ code: damage.code }, result.message);
    return result;
  }
  await recordAppliedDump(db, {
    sourceId: target.sourceId,
    base: info.base,
    dumpType: info.type,
    archive: info.name,
    dumpedAt: info.dumpedAt,
    runId: target.runId,
    articles: result.indexed + result.unchanged,
    removed: result.removed,
    failed: result.failed,
  });
  log?.info({ ...result }, 'DILA dump applied');
  return result;
}

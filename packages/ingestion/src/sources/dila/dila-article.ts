/**
 * One article of a DILA LEGI or KALI dump (an `<ARTICLE>` XML file, one per article version) → its
 * fields, then → the normalised document of the version in force.
 *
 * An article file is self-contained: META_ARTICLE gives its number, state and dates; CONTEXTE/TEXTE its
 * text's id, nature and title (TITRE_TXT) and its place in the text (nested TM, each with its TITRE_TM
 * versions); KALI articles also carry CONTEXTE/CONTENEUR, the agreement (its KALICONT id, IDCC and
 * title). So the section path and the agreement come with every article, whatever the order of the
 * archive's entries, and no struct / section_ta file needs to be held in memory.
 */
import { CiteError } from '@cite/core/errors.js';
import type { Block, NormalisedDocument } from '../../document.js';
import { childElements, firstChild, parseXml, xmlText, type XmlElement, type XmlNode } from '../../extractors/xml-tree.js';

export type DilaBase = 'LEGI' | 'KALI';

export interface ArticleLink {
  /** LEGIARTI / KALIARTI / LEGITEXT… the link points to. */
  id: string;
  /** The target's number, when an article ("L1237-19-1"). */
  num?: string;
  /** CITATION, MODIFIE, CREATION, ABROGATION, CODIFICATION… */
  type?: string;
  /** source | cible: which side of the link this article is on. */
  direction?: string;
  /** The text the target belongs to. */
  textId?: string;
  label?: string;
}

export interface DilaAgreement {
  /** KALICONT… */
  id: string;
  idcc?: string;
  title: string;
}

export interface DilaArticle {
  base: DilaBase;
  /** LEGIARTI… / KALIARTI…: this version of the article. */
  id: string;
  /** "L1237-19", "R4624-10", "1er"; empty for the many unnumbered KALI articles. */
  num: string;
  /** VIGUEUR, MODIFIE, ABROGE, VIGUEUR_DIFF, VIGUEUR_ETEN… */
  etat: string;
  /** YYYY-MM-DD; DATE_FIN 2999-01-01 means "no end". */
  dateDebut: string;
  dateFin: string;
  text: { id: string; nature: string; title: string };
  /** TM titles from the text's root down to the article's section (Partie > Livre > Titre > Chapitre). */
  sectionPath: string[];
  /** LEGISCTA / KALISCTA of the innermost section, when given. */
  sectionId?: string;
  agreement?: DilaAgreement;
  /** Paragraphs of BLOC_TEXTUEL/CONTENU. */
  paragraphs: string[];
  nota: string[];
  links: ArticleLink[];
}

export const ARTICLE_ID = /^(LEGI|KALI)ARTI\d{12}$/;

const clean = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();

/** HTML named entities seen in DILA contents that XML does not define (numeric references parse as is). */
const HTML_ENTITIES: Record<string, string> = { nbsp: '#160', laquo: '#171', raquo: '#187', eacute: '#233', egrave: '#232', agrave: '#224', ccedil: '#231', rsquo: '#8217', hellip: '#8230', deg: '#176' };

function withXmlEntities(text: string): string {
  return text.replace(/&([a-z]+);/g, (m, name: string) => (HTML_ENTITIES[name] ? `&${HTML_ENTITIES[name]};` : m));
}

const invalidArticle = (message: string) => new CiteError('DILA_ARTICLE_INVALID', message, { status: 422 });

function childText(el: XmlElement | undefined, name: string): string {
  const c = el ? firstChild(el, name) : undefined;
  return c ? clean(xmlText(c)) : '';
}

/** Whether [debut, fin[ holds `day` (dates as YYYY-MM-DD; a missing bound is open). */
function holds(debut: string | undefined, fin: string | undefined, day: string): boolean {
  return (!debut || debut <= day) && (!fin || day < fin);
}

/** The title of one TM level at `day`: the TITRE_TM version in force then, else the latest. */
function titleAt(tm: XmlElement, day: string): { title: string; id?: string } | undefined {
  const titles = childElements(tm, 'TITRE_TM');
  if (!titles.length) return undefined;
  const pick = titles.find((t) => holds(t.attrs.debut, t.attrs.fin, day)) ?? titles[titles.length - 1]!;
  const title = clean(xmlText(pick));
  return title ? { title, id: pick.attrs.id } : undefined;
}

/** Block-level HTML elements of CONTENU: each starts a new paragraph. */
const BLOCK_TAGS = new Set(['p', 'div', 'br', 'li', 'tr', 'table', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'blockquote']);

/** CONTENU (HTML-ish) → paragraphs; table cells joined with " | " on their row. */
export function contentParagraphs(el: XmlElement | undefined): string[] {
  if (!el) return [];
  const out: string[] = [];
  let line = '';
  const flush = () => {
    const t = clean(line);
    if (t) out.push(t);
    line = '';
  };
  const visit = (n: XmlNode) => {
    if (typeof n === 'string') {
      line += n;
      return;
    }
    const tag = n.name.toLowerCase();
    if (tag === 'td' || tag === 'th') {
      if (clean(line)) line += ' | ';
      for (const c of n.children) visit(c);
      return;
    }
    if (BLOCK_TAGS.has(tag)) flush();
    for (const c of n.children) visit(c);
    if (BLOCK_TAGS.has(tag)) flush();
  };
  for (const c of el.children) visit(c);
  flush();
  return out;
}

/** Parses one article file. Throws XML_INVALID (not well-formed) or DILA_ARTICLE_INVALID (not an article, no text). */
export function parseArticle(xml: Buffer | string, day: string): DilaArticle {
  const root = parseXml(withXmlEntities(typeof xml === 'string' ? xml : xml.toString('utf8')));
  if (root.name !== 'ARTICLE') throw invalidArticle(`<${root.name}> is not an <ARTICLE>`);
  const meta = firstChild(root, 'META');
  const commun = meta && firstChild(meta, 'META_COMMUN');
  const spec = meta && firstChild(meta, 'META_SPEC');
  const art = spec && firstChild(spec, 'META_ARTICLE');
  const id = childText(commun, 'ID');
  if (!ARTICLE_ID.test(id)) throw invalidArticle(`article without a LEGIARTI/KALIARTI id (META_COMMUN/ID "${id}")`);
  const base = id.slice(0, 4) as DilaBase;

  const contexte = firstChild(root, 'CONTEXTE');
  const texte = contexte && firstChild(contexte, 'TEXTE');
  const titreTxt = texte && firstChild(texte, 'TITRE_TXT');
  const textId = texte?.attrs.cid || titreTxt?.attrs.id_txt || '';
  // TITRE_TXT may come in several versions too; the short title is what the text is cited by
  const titres = texte ? childElements(texte, 'TITRE_TXT') : [];
  const titre = titres.find((t) => holds(t.attrs.debut, t.attrs.fin, day)) ?? titres[titres.length - 1];
  const textTitle = titre ? clean(titre.attrs.c_titre_court || xmlText(titre)) : '';
  if (!texte || !textId || !textTitle) throw new CiteError('DILA_ARTICLE_WITHOUT_TEXT', `${id} names no text (CONTEXTE/TEXTE with its cid and TITRE_TXT)`, { status: 422 });

  const sectionPath: string[] = [];
  let sectionId: string | undefined;
  for (let tm = firstChild(texte, 'TM'); tm; tm = firstChild(tm, 'TM')) {
    const t = titleAt(tm, day);
    if (!t) continue;
    sectionPath.push(t.title);
    sectionId = t.id ?? sectionId;
  }

  let agreement: DilaAgreement | undefined;
  const conteneur = contexte && firstChild(contexte, 'CONTENEUR');
  if (conteneur) {
    const cid = conteneur.attrs.cid || conteneur.attrs.id || '';
    const title = clean(conteneur.attrs.titre || xmlText(conteneur));
    if (cid && title) agreement = { id: cid, title, ...(conteneur.attrs.num ? { idcc: conteneur.attrs.num.trim() } : {}) };
  }
  if (base === 'KALI' && !agreement) {
    throw new CiteError('DILA_ARTICLE_WITHOUT_TEXT', `${id} names no agreement (CONTEXTE/CONTENEUR with its cid and title)`, { status: 422 });
  }

  const bloc = firstChild(root, 'BLOC_TEXTUEL');
  const nota = firstChild(root, 'NOTA');
  const liens = firstChild(root, 'LIENS');
  const links: ArticleLink[] = (liens ? childElements(liens, 'LIEN') : [])
    .filter((l) => l.attrs.id)
    .map((l) => {
      const link: ArticleLink = { id: l.attrs.id! };
      if (l.attrs.num) link.num = l.attrs.num;
      if (l.attrs.typelien) link.type = l.attrs.typelien;
      if (l.attrs.sens) link.direction = l.attrs.sens;
      if (l.attrs.cidtexte) link.textId = l.attrs.cidtexte;
      const label = clean(xmlText(l));
      if (label) link.label = label;
      return link;
    });

  return {
    base,
    id,
    num: childText(art, 'NUM'),
    etat: childText(art, 'ETAT'),
    dateDebut: childText(art, 'DATE_DEBUT'),
    dateFin: childText(art, 'DATE_FIN'),
    text: { id: textId, nature: (texte.attrs.nature ?? '').toUpperCase(), title: textTitle },
    sectionPath,
    ...(sectionId ? { sectionId } : {}),
    ...(agreement ? { agreement } : {}),
    paragraphs: contentParagraphs(bloc && firstChild(bloc, 'CONTENU')),
    nota: contentParagraphs(nota && firstChild(nota, 'CONTENU')),
    links,
  };
}

/**
 * States of a version in force. VIGUEUR_ETEN / VIGUEUR_NON_ETEN: a KALI agreement in force, extended
 * (or not) to the whole branch by ministerial order. VIGUEUR_DIFF (in force later), MODIFIE, ABROGE,
 * ABROGE_DIFF, PERIME, ANNULE, TRANSFERE are not in force.
 */
const IN_FORCE = new Set(['VIGUEUR', 'VIGUEUR_ETEN', 'VIGUEUR_NON_ETEN']);

/** True when this version applies on `day` (YYYY-MM-DD): a state in force and DATE_DEBUT ≤ day < DATE_FIN. */
export function inForce(a: Pick<DilaArticle, 'etat' | 'dateDebut' | 'dateFin'>, day: string): boolean {
  return IN_FORCE.has(a.etat) && holds(a.dateDebut || undefined, a.dateFin || undefined, day);
}

const LEGIFRANCE = 'https://www.legifrance.gouv.fr';

/** The article's Légifrance page: codes and other texts (LODA) by their article_lc link, agreements by theirs. */
export function articleUrl(a: Pick<DilaArticle, 'base' | 'id' | 'text'>): string {
  if (a.base === 'KALI') return `${LEGIFRANCE}/conv_coll/article/${a.id}`;
  return a.text.nature === 'CODE' ? `${LEGIFRANCE}/codes/article_lc/${a.id}` : `${LEGIFRANCE}/loda/article_lc/${a.id}`;
}

/** Every URL a LEGIARTI/KALIARTI id may have been indexed under (a deletion list does not say the text's nature). */
export function articleUrls(id: string): string[] {
  if (id.startsWith('KALI')) return [`${LEGIFRANCE}/conv_coll/article/${id}`];
  return [`${LEGIFRANCE}/codes/article_lc/${id}`, `${LEGIFRANCE}/loda/article_lc/${id}`];
}

/** What `metadata` holds for an article document. */
export interface DilaArticleMetadata {
  base: DilaBase;
  article_id: string;
  /** The article's number, its searchable identifier ("L1237-19"). */
  num?: string;
  etat: string;
  date_debut: string;
  date_fin: string;
  text_id: string;
  text_nature: string;
  text_title: string;
  section_path: string[];
  section_id?: string;
  /** KALI: the agreement (KALICONT id), its IDCC and title. */
  agreement_id?: string;
  idcc?: string;
  agreement_title?: string;
  links: ArticleLink[];
}

/**
 * The lexical index splits "L1237-19" into "l1237" and "-19", so the query "L1237-19" also matches every
 * L1237-19-1…-14 with the same two words, and BM25 would rank the shortest first. A parent article (a
 * number of at most two parts) therefore holds its number twice in the weighted context (title and this
 * last heading), its sub-articles once: "L1237-19" finds L1237-19 first, "L1237-19-1" (three words) its own.
 */
function numberHeading(num: string): string[] {
  return num && num.split('-').length <= 2 ? [`Article ${num}`] : [];
}

/**
 * The document of an article version. Its title names the text and the number ("Code du travail,
 * article L1237-19"), so that the number is in every chunk's weighted context and found by the lexical
 * branch; the section path opens the heading path, for citations.
 */
export function articleDocument(a: DilaArticle): NormalisedDocument {
  const cited = a.agreement ? a.agreement.title : a.text.title;
  const label = a.num ? `article ${a.num}` : a.sectionPath[a.sectionPath.length - 1] ?? 'article';
  const title = `${cited}, ${label}`;
  const headingPath = [...(a.agreement && a.text.title !== a.agreement.title ? [a.text.title] : []), ...a.sectionPath, ...numberHeading(a.num)];
  const blocks: Block[] = [
    ...(a.agreement?.idcc ? [{ text: `IDCC ${a.agreement.idcc}`, kind: 'note' as const }] : []),
    ...a.paragraphs.map((text) => ({ text, kind: 'paragraph' as const })),
    ...a.nota.map((text) => ({ text: `NOTA : ${text}`, kind: 'note' as const })),
  ];
  const metadata: DilaArticleMetadata = {
    base: a.base,
    article_id: a.id,
    ...(a.num ? { num: a.num } : {}),
    etat: a.etat,
    date_debut: a.dateDebut,
    date_fin: a.dateFin,
    text_id: a.text.id,
    text_nature: a.text.nature,
    text_title: a.text.title,
    section_path: a.sectionPath,
    ...(a.sectionId ? { section_id: a.sectionId } : {}),
    ...(a.agreement ? { agreement_id: a.agreement.id, agreement_title: a.agreement.title } : {}),
    ...(a.agreement?.idcc ? { idcc: a.agreement.idcc } : {}),
    links: a.links,
  };
  const doc: NormalisedDocument = {
    url: articleUrl(a),
    title,
    lang: 'fr',
    sections: [{ headingPath: [title, ...headingPath], blocks }],
    metadata: metadata as unknown as Record<string, unknown>,
    format: a.base === 'LEGI' ? 'legi' : 'kali',
  };
  if (/^\d{4}-\d{2}-\d{2}$/.test(a.dateDebut)) doc.modifiedAt = `${a.dateDebut}T00:00:00.000Z`;
  return doc;
}

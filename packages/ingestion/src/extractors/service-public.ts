/**
 * service-public.fr "vos droits et démarches" fiches as published by DILA (XML, schema 3.x, one
 * F*.xml / N*.xml / R*.xml per fiche) → normalised document.
 *
 * Content elements become sections and blocks, each Chapitre / SousChapitre / Cas / Situation
 * opening a level of heading path under the fiche title; page furniture (breadcrumb, theme,
 * audiences, sources, abbreviations) goes to metadata. A fiche published for several audiences
 * appears once per audience zip: `mergeServicePublic` folds the copies into one document.
 */
import type { Block, NormalisedDocument, Section } from '../document.js';
import { CiteError } from '@cite/core/errors.js';
import { documentUrlError, isWebUrl } from '../urls/document-url.js';
import { tooDeep } from './html.js';
import { childElements, firstChild, parseXml, xmlText, type XmlElement, type XmlNode } from './xml-tree.js';
import { decodeUtf8Lenient } from './lenient-utf8.js';

export interface Abbreviation {
  /** The short form as written in the text ("JOAFE", "TVA"). */
  acronym: string;
  expansion: string;
  /** DILA type: Acronyme | Sigle | Abréviation. */
  type?: string;
}

/** What `metadata` holds for a service-public document. */
export interface ServicePublicMetadata {
  /** DILA identifier (F1234, N19554, R14003): identity across audience zips. */
  id: string;
  /** DILA publication type ("Fiche d'information", "Dossier", "Formulaire"…). */
  type?: string;
  audiences: string[];
  theme: string[];
  /** FilDAriane levels, home first. */
  breadcrumb: string[];
  subject?: string;
  /** dc:source links (legal texts). */
  sources: string[];
  abbreviations: Abbreviation[];
  cerfa?: string[];
  /** True when the file had no spUrl and the URL was built from the id and audience (a fiche withdrawn from the site, when its export has spUrls elsewhere). */
  urlFromId?: boolean;
}

const AUDIENCE_PATH: Record<string, string> = {
  particuliers: 'particuliers',
  professionnels: 'professionnels-entreprises',
  'professionnels-entreprises': 'professionnels-entreprises',
  entreprises: 'professionnels-entreprises',
  associations: 'associations',
};

const clean = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();

/** Inline text of a Paragraphe-like element (links, values, emphasis flattened). */
function inline(el: XmlNode): string {
  if (typeof el === 'string') return el;
  if (el.name === 'Exposant') return xmlText(el);
  let out = '';
  for (const c of el.children) {
    if (typeof c !== 'string' && (c.name === 'Paragraphe' || c.name === 'Item')) out += ' ' + inline(c) + ' ';
    else out += inline(c);
  }
  return out;
}

function titleOf(el: XmlElement): string | undefined {
  const t = firstChild(el, 'Titre');
  const s = t ? clean(inline(t)) : '';
  return s || undefined;
}

interface Walk {
  sections: Section[];
  path: string[];
  current: Section;
}

function push(w: Walk, text: string, kind: Block['kind']): void {
  if (!text.trim()) return;
  const key = w.path.join('\u0000');
  if (w.current.headingPath.join('\u0000') !== key) {
    w.current = { headingPath: [...w.path], blocks: [] };
    w.sections.push(w.current);
  }
  w.current.blocks.push({ text, kind });
}

function listItems(list: XmlElement, depth: number): string[] {
  const out: string[] = [];
  for (const item of childElements(list, 'Item')) {
    let own = '';
    const nested: XmlElement[] = [];
    for (const c of item.children) {
      if (typeof c !== 'string' && c.name === 'Liste') nested.push(c);
      else own += ' ' + inline(c);
    }
    const t = clean(own);
    if (t) out.push(`${'  '.repeat(depth)}- ${t}`);
    for (const n of nested) for (const line of listItems(n, depth + 1)) out.push(line);
  }
  return out;
}

function cellText(cell: XmlElement): string {
  const parts: string[] = [];
  for (const c of cell.children) {
    if (typeof c === 'string') parts.push(c);
    else if (c.name === 'Liste') parts.push(listItems(c, 0).map((l) => l.replace(/^\s*- /, '')).join(' ; '));
    else parts.push(inline(c));
  }
  return clean(parts.join(' ')).replace(/\|/g, '\\|');
}

function table(el: XmlElement): string {
  const rows = childElements(el, 'Rangée').map((r) => childElements(r, 'Cellule').map(cellText));
  const cols = Math.max(0, ...rows.map((r) => r.length));
  if (!rows.length || !cols) return '';
  const line = (r: string[]) => `| ${[...r, ...Array(cols - r.length).fill('')].join(' | ')} |`;
  const [head, ...rest] = rows;
  const md = [line(head), `|${' --- |'.repeat(cols)}`, ...rest.map(line)].join('\n');
  const title = titleOf(el);
  return title ? `${title}\n\n${md}` : md;
}

/** A note (ANoter, ASavoir, Attention…) as one block: "Titre : text". */
function note(el: XmlElement, fallbackTitle: string): string {
  const title = titleOf(el) ?? fallbackTitle;
  const lines: string[] = [];
  const visit = (e: XmlElement) => {
    for (const c of childElements(e)) {
      if (c.name === 'Titre') continue;
      if (c.name === 'Liste') for (const line of listItems(c, 0)) lines.push(line);
      else if (c.name === 'Paragraphe') lines.push(clean(inline(c)));
      else if (c.name === 'Tableau') lines.push(table(c));
      else visit(c);
    }
  };
  visit(el);
  const body = lines.filter(Boolean).join('\n');
  return body ? `${title} : ${body}` : '';
}

const NOTE_TITLES: Record<string, string> = {
  ANoter: 'À noter',
  ASavoir: 'À savoir',
  Attention: 'Attention',
  Rappel: 'Rappel',
  Avertissement: 'Avertissement',
};
/** Elements that open a heading level named by their Titre. */
const SECTIONING = new Set(['Chapitre', 'SousChapitre', 'Cas', 'Situation', 'ServiceEnLigneAnnexe', 'SousDossier']);
/** Body elements that only point elsewhere: their title is the useful text. */
const POINTERS = new Set(['ServiceEnLigne', 'LienWeb', 'LienExterneCommente', 'OuSAdresser', 'Reference']);
/** Never body text. */
const SKIP = new Set(['Titre', 'Source', 'PivotLocal', 'RessourceWeb', 'Colonne', 'Definition', 'Abreviation']);

function walk(w: Walk, el: XmlElement): void {
  const name = el.name;
  if (SKIP.has(name)) return;
  if (name === 'Paragraphe') return push(w, clean(inline(el)), 'paragraph');
  if (name === 'Liste') {
    for (const item of listItems(el, 0)) push(w, item, 'list-item');
    return;
  }
  if (name === 'Tableau') return push(w, table(el), 'table');
  if (NOTE_TITLES[name]) return push(w, note(el, NOTE_TITLES[name]), 'note');
  if (name === 'Fiche' || name === 'FicheLiee') {
    const t = clean(name === 'Fiche' ? xmlText(el) : (titleOf(el) ?? ''));
    return push(w, t ? `- ${t}` : '', 'list-item');
  }
  if (POINTERS.has(name)) {
    const t = titleOf(el);
    const extra = firstChild(el, 'Complement');
    if (t) push(w, extra ? `${t} (${clean(xmlText(extra))})` : t, 'paragraph');
    return;
  }
  if (SECTIONING.has(name)) {
    const title = titleOf(el);
    if (title) w.path.push(title);
    for (const c of childElements(el)) walk(w, c);
    if (title) w.path.pop();
    return;
  }
  // Containers (Texte, Introduction, BlocCas, ListeSituations, FragmentConditionne…): their text.
  for (const c of el.children) {
    if (typeof c === 'string') push(w, clean(c), 'paragraph');
    else walk(w, c);
  }
}

/** Root children that are content; everything else at the root is metadata or navigation. */
const ROOT_BODY = new Set([
  'Introduction', 'Texte', 'ListeSituations', 'BlocCas', 'Chapitre', 'SousChapitre', 'Tableau', 'Liste', 'Paragraphe',
  'ANoter', 'ASavoir', 'Attention', 'Rappel', 'Avertissement', 'SousDossier', 'Fiche', 'ServiceEnLigneAnnexe',
  'FragmentConditionne',
]);

function dcText(root: XmlElement, name: string): string | undefined {
  const el = firstChild(root, `dc:${name}`);
  const t = el ? clean(xmlText(el)) : '';
  return t || undefined;
}

function isoDay(v: string | undefined): string | undefined {
  const m = v?.match(/(\d{4}-\d{2}-\d{2})/);
  if (!m) return undefined;
  const d = new Date(`${m[1]}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function audiencePath(audience: string | undefined): string {
  return AUDIENCE_PATH[(audience ?? 'particuliers').toLowerCase()] ?? 'particuliers';
}

export interface ServicePublicInput {
  /** The XML bytes or text. */
  body: Buffer | string;
  /** Where it came from (for messages), e.g. "vosdroits-particuliers.zip!F3175.xml". */
  location?: string;
  /** Audience implied by the zip name, when the file lists none. */
  defaultAudience?: string;
}

/** Parses one DILA XML file. Throws XML_INVALID (not well-formed) or SP_NOT_A_FICHE. */
export function extractServicePublic(input: ServicePublicInput): NormalisedDocument {
  try {
    return extractUnguarded(input);
  } catch (e) {
    throw tooDeep(e);
  }
}

function extractUnguarded(input: ServicePublicInput): NormalisedDocument {
  const text = typeof input.body === 'string' ? input.body : decodeUtf8Lenient(input.body);
  const root = parseXml(text);
  const id = root.attrs.ID;
  const title = dcText(root, 'title');
  if (!id || !title) {
    throw new CiteError(
      'SP_NOT_A_FICHE',
      `<${root.name}> without ${!id ? 'an ID attribute' : 'a dc:title'}: not a service-public.fr fiche`,
      { status: 422 },
    );
  }
  const audiences = childElements(root, 'Audience').map((a) => clean(xmlText(a))).filter(Boolean);
  if (!audiences.length && input.defaultAudience) audiences.push(input.defaultAudience);
  const theme = childElements(root, 'Theme')
    .map((t) => titleOf(t))
    .filter((t): t is string => !!t);
  const fil = firstChild(root, 'FilDAriane');
  const breadcrumb = fil ? childElements(fil, 'Niveau').map((n) => clean(xmlText(n))).filter(Boolean) : [];
  const sources = (dcText(root, 'source') ?? '')
    .split(/,\s+(?=https?:)|(?<!\s)\s+(?=https?:)/)
    .map((s) => s.trim())
    .filter((s) => /^https?:\/\//.test(s));
  const abbreviations: Abbreviation[] = [];
  const seenAbbr = new Set<string>();
  const collectAbbr = (el: XmlElement) => {
    for (const c of childElements(el)) {
      if (c.name === 'Abreviation') {
        const acronym = titleOf(c);
        const texte = firstChild(c, 'Texte');
        const expansion = texte ? clean(inline(texte)) : '';
        if (acronym && expansion && !seenAbbr.has(acronym)) {
          seenAbbr.add(acronym);
          abbreviations.push({ acronym, expansion, ...(c.attrs.type ? { type: c.attrs.type } : {}) });
        }
      } else collectAbbr(c);
    }
  };
  collectAbbr(root);
  const cerfa = childElements(root, 'NumeroCerfa').map((c) => clean(xmlText(c))).filter(Boolean);

  const first: Section = { headingPath: [title], blocks: [] };
  const w: Walk = { sections: [first], path: [title], current: first };
  // The introduction first: dossiers list their fiches before it in the file.
  const body = childElements(root).filter((c) => ROOT_BODY.has(c.name));
  for (const c of body) if (c.name === 'Introduction') walk(w, c);
  for (const c of body) if (c.name !== 'Introduction') walk(w, c);
  // Dossiers and some resources point to fiches through root-level OuSAdresser: keep them, last.
  const whereTo = childElements(root, 'OuSAdresser');
  if (whereTo.length) {
    w.path.push("Où s'adresser ?");
    for (const o of whereTo) walk(w, o);
    w.path.pop();
  }

  // Resources (forms, online services) often have no body: their description is their text.
  const description = dcText(root, 'description');
  if (!w.sections.some((s) => s.blocks.length) && description) first.blocks.push({ text: description, kind: 'paragraph' });

  const spUrl = root.attrs.spUrl?.trim();
  if (spUrl && !isWebUrl(spUrl)) throw documentUrlError(spUrl, 'http(s)');
  const metadata: ServicePublicMetadata = {
    id,
    ...(root.attrs.type ? { type: root.attrs.type } : {}),
    audiences,
    theme,
    breadcrumb,
    ...(dcText(root, 'subject') ? { subject: dcText(root, 'subject') } : {}),
    sources,
    abbreviations,
    ...(cerfa.length ? { cerfa } : {}),
    ...(spUrl ? {} : { urlFromId: true }),
  };
  const doc: NormalisedDocument = {
    url: spUrl || `https://www.service-public.fr/${audiencePath(audiences[0])}/vosdroits/${id}`,
    title,
    lang: (dcText(root, 'language') ?? 'fr').slice(0, 2).toLowerCase(),
    sections: w.sections.filter((s) => s.blocks.length > 0),
    metadata: metadata as unknown as Record<string, unknown>,
    format: 'service-public',
  };
  if (description) doc.description = description;
  const modified = isoDay(dcText(root, 'date'));
  if (modified) doc.modifiedAt = modified;
  return doc;
}

/** The key under which copies of one fiche are merged (its DILA id). */
export function servicePublicKey(doc: NormalisedDocument): string | undefined {
  if (doc.format !== 'service-public') return undefined;
  const id = (doc.metadata as Partial<ServicePublicMetadata>).id;
  return typeof id === 'string' ? id : undefined;
}

const union = <T>(a: T[] = [], b: T[] = [], key: (x: T) => string = String): T[] => {
  const seen = new Set(a.map(key));
  return [...a, ...b.filter((x) => !seen.has(key(x)))];
};

/** Which audience's URL a fiche shared by several audiences is known by: the general public's first. */
const URL_PREFERENCE = ['/particuliers/', '/associations/', '/professionnels-entreprises/'];
const urlRank = (url: string) => {
  const i = URL_PREFERENCE.findIndex((p) => url.includes(p));
  return i === -1 ? URL_PREFERENCE.length : i;
};

/** True when the fiche carried no Publication@spUrl (its URL was built from its id). */
export function isUnpublishedFiche(doc: NormalisedDocument): boolean {
  return doc.format === 'service-public' && !!(doc.metadata as Partial<ServicePublicMetadata>).urlFromId;
}

/**
 * Folds the copies of one fiche found in several audience zips into one document carrying every
 * audience it is published for.
 *
 * A copy without spUrl next to one with a spUrl is a leftover: DILA exports regenerate every
 * published fiche (schema 3.3, with spUrl), while a fiche withdrawn from an audience stays in that
 * audience's zip in its old form (schema 3.0, no spUrl, never newer than the live copy; the live
 * copy's own Audience list leaves that audience out). Such copies give neither content nor audience.
 * Among live copies the newest gives URL and content; on a tie, the general-public URL
 * (particuliers, then associations, then professionnels-entreprises), so the choice never depends
 * on the order the zips were read in.
 */
export function mergeServicePublic(copies: NormalisedDocument[]): NormalisedDocument {
  if (copies.length === 0) throw new Error('mergeServicePublic: no documents');
  const live = copies.filter((d) => !isUnpublishedFiche(d));
  const kept = live.length ? live : copies;
  const sorted = [...kept].sort((x, y) => {
    const a = x.modifiedAt ?? '';
    const b = y.modifiedAt ?? '';
    return a !== b ? (b > a ? 1 : -1) : urlRank(x.url) - urlRank(y.url);
  });
  const [primary, ...others] = sorted;
  const meta = { ...(primary.metadata as unknown as ServicePublicMetadata) };
  for (const o of others) {
    const m = o.metadata as unknown as ServicePublicMetadata;
    meta.audiences = union(meta.audiences, m.audiences);
    meta.theme = union(meta.theme, m.theme);
    meta.sources = union(meta.sources, m.sources);
    meta.abbreviations = union(meta.abbreviations, m.abbreviations, (a) => a.acronym);
  }
  return { ...primary, metadata: meta as unknown as Record<string, unknown> };
}

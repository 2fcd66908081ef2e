/**
 * Small DILA dumps for tests, written as DILA publishes them (LEGI/KALI XML schema, tar.gz, the same
 * entry paths): articles with their CONTEXTE, deletion lists, and damaged archives.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface FixtureSection {
  id: string;
  title: string;
}

export interface FixtureArticle {
  id: string;
  num: string;
  etat?: string;
  debut?: string;
  fin?: string;
  text: { id: string; title: string; nature: string };
  sections: FixtureSection[];
  /** XHTML of BLOC_TEXTUEL/CONTENU. */
  content: string;
  links?: Array<{ id: string; num: string; type: string; textId: string }>;
  /** KALI: the agreement. */
  agreement?: { id: string; idcc: string; title: string };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function articleXml(a: FixtureArticle): string {
  const origin = a.id.slice(0, 4);
  const tms = a.sections.reduceRight(
    (inner, s) => `<TM><TITRE_TM debut="2008-05-01" fin="2999-01-01" id="${s.id}">${esc(s.title)}</TITRE_TM>${inner}</TM>`,
    '',
  );
  const links = (a.links ?? [])
    .map((l) => `<LIEN cidtexte="${l.textId}" id="${l.id}" naturetexte="CODE" num="${l.num}" sens="source" typelien="${l.type}">${esc(a.text.title)} - art. ${l.num}</LIEN>`)
    .join('\n');
  const conteneur = a.agreement
    ? `<CONTENEUR cid="${a.agreement.id}" date_publi="1988-01-01" etat="VIGUEUR_ETEN" nature="IDCC" num="${a.agreement.idcc}" titre="${esc(a.agreement.title)}"/>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<ARTICLE>
<META>
<META_COMMUN><ID>${a.id}</ID><ANCIEN_ID/><ORIGINE>${origin}</ORIGINE><URL>article/${origin}/ARTI/${a.id}.xml</URL><NATURE>Article</NATURE></META_COMMUN>
<META_SPEC><META_ARTICLE><NUM>${esc(a.num)}</NUM><ETAT>${a.etat ?? 'VIGUEUR'}</ETAT><DATE_DEBUT>${a.debut ?? '2017-09-24'}</DATE_DEBUT><DATE_FIN>${a.fin ?? '2999-01-01'}</DATE_FIN><TYPE>AUTONOME</TYPE></META_ARTICLE></META_SPEC>
</META>
<CONTEXTE>
<TEXTE autorite="" cid="${a.text.id}" date_publi="1973-12-22" date_signature="1973-12-22" ministere="" nature="${a.text.nature}" nor="" num="" num_parution_jo="">
<TITRE_TXT c_titre_court="${esc(a.text.title)}" debut="1973-12-22" fin="2999-01-01" id_txt="${a.text.id}">${esc(a.text.title)}</TITRE_TXT>
${tms}
</TEXTE>
${conteneur}
</CONTEXTE>
<VERSIONS><VERSION etat="${a.etat ?? 'VIGUEUR'}"><LIEN_ART debut="${a.debut ?? '2017-09-24'}" etat="${a.etat ?? 'VIGUEUR'}" fin="${a.fin ?? '2999-01-01'}" id="${a.id}" num="${esc(a.num)}" origine="${origin}"/></VERSION></VERSIONS>
<NOTA><CONTENU/></NOTA>
<BLOC_TEXTUEL><CONTENU>${a.content}</CONTENU></BLOC_TEXTUEL>
<LIENS>${links}</LIENS>
</ARTICLE>
`;
}

/** DILA's storage path of an id: LEGIARTI000006900785 → LEGI/ARTI/00/00/06/90/07/LEGIARTI000006900785. */
export function idPath(id: string): string {
  const digits = id.slice(8);
  const parts = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4, 6), digits.slice(6, 8), digits.slice(8, 10)];
  return `${id.slice(0, 4)}/${id.slice(4, 8)}/${parts.join('/')}/${id}`;
}

/** The entry path of an article inside a dump (`prefix`: "" for a full dump, "20250714-211502/" for an increment). */
export function articlePath(a: Pick<FixtureArticle, 'id' | 'text'>, prefix = ''): string {
  if (a.id.startsWith('KALI')) return `${prefix}kali/global/${idPath(a.text.id)}/article/${idPath(a.id)}.xml`;
  const folder = a.text.nature === 'CODE' ? 'code_et_TNC_en_vigueur/code_en_vigueur' : 'code_et_TNC_en_vigueur/TNC_en_vigueur';
  return `${prefix}legi/global/${folder}/${idPath(a.text.id)}/article/${idPath(a.id)}.xml`;
}

export interface FixtureEntry {
  name: string;
  body: string | Buffer;
}

/** Writes a tar.gz of the entries. `truncateTo`: keep only that share of the compressed bytes (a damaged download). */
export async function writeDump(file: string, entries: FixtureEntry[], options: { truncateTo?: number } = {}): Promise<void> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const gzip = zlib.createGzip();
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('data', (c: Buffer) => chunks.push(c));
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  pack.pipe(gzip);
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: e.name }, typeof e.body === 'string' ? Buffer.from(e.body) : e.body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  const all = Buffer.concat(chunks);
  await fs.promises.writeFile(file, options.truncateTo ? all.subarray(0, Math.floor(all.length * options.truncateTo)) : all);
}

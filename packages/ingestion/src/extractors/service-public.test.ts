import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { extractServicePublic, mergeServicePublic, servicePublicKey, type ServicePublicMetadata } from './service-public.js';
import { extract } from './extract.js';
import { ficheXml } from './testing/service-public-fixture.js';
import { writeZip } from './testing/zip-writer.js';

const T = "Congé de paternité et d'accueil de l'enfant";

describe('extractServicePublic', () => {
  const doc = extractServicePublic({ body: Buffer.from(ficheXml()) });
  const meta = doc.metadata as unknown as ServicePublicMetadata;
  const section = (t: string) => doc.sections.find((s) => s.blocks.some((b) => b.text.includes(t)));
  const block = (t: string) => section(t)?.blocks.find((b) => b.text.includes(t));

  it('reads URL, title, description, date and language from the Dublin Core header', () => {
    expect(doc.url).toBe('https://www.service-public.fr/particuliers/vosdroits/F1234');
    expect(doc.title).toBe(T);
    expect(doc.description).toBe('Le congé de paternité permet au père de cesser son activité.');
    expect(doc.modifiedAt).toBe('2020-07-01T00:00:00.000Z');
    expect(doc.lang).toBe('fr');
    expect(doc.format).toBe('service-public');
  });

  it('puts audiences, theme, breadcrumb, sources and abbreviations in metadata', () => {
    expect(meta.id).toBe('F1234');
    expect(meta.type).toBe("Fiche d'information");
    expect(meta.audiences).toEqual(['Particuliers']);
    expect(meta.theme).toEqual(['Travail - Formation']);
    expect(meta.breadcrumb).toEqual(['Accueil particuliers', 'Travail', 'Congé de paternité']);
    expect(meta.sources).toEqual(['https://www.legifrance.gouv.fr/codes/id/LEGISCTA000006195624']);
    expect(meta.abbreviations).toEqual([
      { acronym: 'CPAM', expansion: "Caisse primaire d'assurance maladie", type: 'Sigle' },
      { acronym: 'Urssaf', expansion: "Union de recouvrement des cotisations de sécurité sociale et d'allocations familiales", type: 'Acronyme' },
    ]);
  });

  it('builds the body with Titres as heading paths', () => {
    expect(section('25 jours')?.headingPath).toEqual([T]);
    expect(block('25 jours')?.text).toBe("Le salarié peut bénéficier d'un congé de 25 jours versé par la CPAM.");
    expect(section('Le congé est ouvert')?.headingPath).toEqual([T, 'Salarié', 'Bénéficiaires']);
    expect(section("Aucune condition d'ancienneté")?.headingPath).toEqual([T, 'Salarié', 'Bénéficiaires', "Conditions d'ancienneté"]);
    expect(section('25 jours calendaires')?.headingPath).toEqual([T, 'Salarié', 'Durée', 'Naissance unique']);
    expect(section('32 jours calendaires')?.headingPath).toEqual([T, 'Salarié', 'Durée', 'Naissances multiples']);
    expect(section('mêmes droits')?.headingPath).toEqual([T, 'Fonctionnaire']);
    expect(section('Caisse primaire')?.headingPath).toEqual([T, "Où s'adresser ?"]);
  });

  it('writes lists as "- item" (nested indented), tables as Markdown, notes with their title', () => {
    expect(block("au père de l'enfant")).toEqual({ text: "- au père de l'enfant,", kind: 'list-item' });
    expect(block('marié ou pacsé')?.text).toBe('  - marié ou pacsé');
    expect(block('Indemnités journalières')).toEqual({
      kind: 'table',
      text: 'Indemnités journalières\n\n| Situation | Montant |\n| --- | --- |\n| Salarié | 95,22 € par jour |',
    });
    expect(block('fractionné')).toEqual({ kind: 'note', text: 'À noter : Le congé peut être fractionné en 2 périodes.' });
    expect(block('ne peut pas refuser')?.text).toBe("À savoir : L'employeur ne peut pas refuser le congé.");
    expect(block('prévenance')?.text).toBe("Attention : Le délai de prévenance est d'un mois.");
  });

  it('leaves navigation out of the body', () => {
    const text = doc.sections.flatMap((s) => s.blocks.map((b) => b.text)).join('\n');
    expect(text).not.toContain('Une question liée');
    expect(text).not.toContain('Accueil particuliers');
    expect(text).not.toContain('Union de recouvrement');
  });

  it('builds the URL from the id and audience when the file has no spUrl', () => {
    const d = extractServicePublic({ body: ficheXml({ noUrl: true, audience: 'Professionnels', id: 'F99' }) });
    expect(d.url).toBe('https://www.service-public.fr/professionnels-entreprises/vosdroits/F99');
    expect((d.metadata as unknown as ServicePublicMetadata).urlFromId).toBe(true);
  });

  it('refuses invalid XML with XML_INVALID and a non-fiche with SP_NOT_A_FICHE', () => {
    const truncated = ficheXml().slice(0, 2000);
    expect(() => extractServicePublic({ body: truncated })).toThrow(CiteError);
    try {
      extractServicePublic({ body: truncated });
    } catch (e) {
      expect((e as CiteError).code).toBe('XML_INVALID');
    }
    try {
      extractServicePublic({ body: '<?xml version="1.0"?><Publication ID="F1"><Texte/></Publication>' });
      expect.unreachable();
    } catch (e) {
      expect((e as CiteError).code).toBe('SP_NOT_A_FICHE');
    }
  });
});

describe('mergeServicePublic', () => {
  it('folds the audience copies of a fiche into one document carrying every audience', () => {
    const part = extractServicePublic({ body: ficheXml({ audience: 'Particuliers' }) });
    const pro = extractServicePublic({ body: ficheXml({ audience: 'Professionnels', extraSource: 'https://bofip.impots.gouv.fr/x' }) });
    expect(servicePublicKey(part)).toBe('F1234');
    expect(servicePublicKey(pro)).toBe('F1234');
    for (const order of [[pro, part], [part, pro]]) {
      const merged = mergeServicePublic(order);
      const meta = merged.metadata as unknown as ServicePublicMetadata;
      // Same date: the general-public URL, whatever order the zips were read in.
      expect(merged.url).toBe('https://www.service-public.fr/particuliers/vosdroits/F1234');
      expect(meta.audiences.sort()).toEqual(['Particuliers', 'Professionnels']);
      expect(meta.sources).toContain('https://bofip.impots.gouv.fr/x');
      expect(meta.abbreviations).toHaveLength(2);
      expect(merged.sections).toEqual(part.sections);
    }
  });

  it('takes URL and content from the newest copy', () => {
    const part = extractServicePublic({ body: ficheXml({ audience: 'Particuliers', modified: '2019-01-01' }) });
    const pro = extractServicePublic({ body: ficheXml({ audience: 'Professionnels', modified: '2020-03-01' }) });
    expect(mergeServicePublic([part, pro]).url).toBe('https://www.service-public.fr/professionnels-entreprises/vosdroits/F1234');
  });

  it('ignores a stale copy without spUrl: it gives neither content nor its audience', () => {
    // As in the DILA export: F1746 live for Particuliers (3.3, spUrl), left in the Professionnels zip in its old form.
    const live = extractServicePublic({ body: ficheXml({ audience: 'Particuliers', modified: '2020-02-05' }) });
    const stale = extractServicePublic({
      body: ficheXml({ audience: 'Professionnels', noUrl: true, modified: '2019-10-22', extraSource: 'https://old.example/x' }),
    });
    const merged = mergeServicePublic([stale, live]);
    const meta = merged.metadata as unknown as ServicePublicMetadata;
    expect(merged.url).toBe('https://www.service-public.fr/particuliers/vosdroits/F1234');
    expect(meta.audiences).toEqual(['Particuliers']);
    expect(meta.sources).not.toContain('https://old.example/x');
    expect(meta.urlFromId).toBeUndefined();
    // Only stale copies: still one document, under the URL built from the id.
    const both = mergeServicePublic([stale, extractServicePublic({ body: ficheXml({ audience: 'Particuliers', noUrl: true }) })]);
    expect((both.metadata as unknown as ServicePublicMetadata).urlFromId).toBe(true);
    expect((both.metadata as unknown as ServicePublicMetadata).audiences.sort()).toEqual(['Particuliers', 'Professionnels']);
  });
});

describe('extractServicePublic on hostile input', () => {
  it('refuses absurd nesting with DOCUMENT_TOO_DEEP instead of crashing', () => {
    const n = 300_000;
    const xml = ficheXml().replace('<Introduction>', `<Introduction>${'<Texte>'.repeat(n)}${'</Texte>'.repeat(n)}`);
    expect(() => extractServicePublic({ body: xml })).toThrow(expect.objectContaining({ code: 'DOCUMENT_TOO_DEEP' }));
  });

  it('refuses a fiche of dense markup with XML_TOO_COMPLEX, and the rest of its zip is read', async () => {
    // 1,000,000 empty elements in 4 MB (a 4 KB deflate): unbounded, the tree took 156 MB of heap
    const dense = ficheXml({ id: 'F2' }).replace('<Introduction>', `<Introduction>${'<a/>'.repeat(1_000_000)}`);
    const zip = writeZip([{ name: 'F1.xml', data: ficheXml({ id: 'F1' }) }, { name: 'F2.xml', data: dense }]);
    const archive = { maxEntries: 10, maxEntryBytes: 1e8, maxTotalBytes: 1e8, maxRatio: 1e4, maxDepth: 1 };
    const outcomes: [string, string][] = [];
    for await (const o of extract({ data: zip, name: 'vosdroits-particuliers.zip' }, { archive })) {
      outcomes.push([o.location, o.ok ? 'ok' : o.code]);
    }
    expect(outcomes).toEqual([
      ['vosdroits-particuliers.zip!F1.xml', 'ok'],
      ['vosdroits-particuliers.zip!F2.xml', 'XML_TOO_COMPLEX'],
    ]);
  });
});

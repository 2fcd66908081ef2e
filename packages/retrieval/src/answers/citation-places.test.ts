/**
 * Citations that open where the claim is (issue 19), end to end on both databases: a three-page PDF and a
 * web page go through the real extractors, chunker and indexer; an agent asks the real engine on loopback
 * (extractive answers, hash embedder), and each citation gives the page of its quote and a link to it; an
 * uploaded PDF is linked through the engine's copy of the file.
 */
import { writePdf } from '@cite/ingestion/extractors/testing/pdf-writer.js';
import { extractSources } from '@cite/ingestion/extractors/extract.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { resetSearchStatistics } from '../search/search-service.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';

const PDF_URL = 'https://mairie.example/urbanisme/guide.pdf';
const PAGE_URL = 'https://mairie.example/urbanisme/recours';

const PAGE_3 = 'Le permis de démolir est obligatoire dans les secteurs sauvegardés\net aux abords des monuments historiques.';
const PDF = writePdf({
  title: 'Guide des autorisations d’urbanisme',
  pages: [
    'Les autorisations d’urbanisme sont délivrées par la mairie\nde la commune où se situe le terrain.',
    'La déclaration préalable suffit pour les travaux modestes\net les changements de façade.',
    PAGE_3,
  ],
});

/** Uploaded (no web address): opened through the engine's copy, at the page of the quote. */
const UPLOADED_PAGE_3 = "L'abattage d'un arbre remarquable est soumis à une autorisation préalable du maire.";
const UPLOADED = writePdf({
  title: 'Arbres remarquables',
  pages: [
    'Les espaces verts de la commune sont entretenus\npar le service municipal.',
    'Le plan de gestion est mis à jour chaque année\npar les agents du service.',
    UPLOADED_PAGE_3,
  ],
});

const HTML = `<!doctype html><html lang="fr"><head><title>Recours</title></head><body><main>
  <h1>Recours contre une autorisation d'urbanisme</h1>
  <p>Un voisin peut contester une autorisation d'urbanisme devant le juge administratif.</p>
  <h2 id="delai-recours">Délai de recours</h2>
  <p>Le recours contentieux contre un permis de construire doit être formé dans un délai de deux mois à compter de l'affichage du permis sur le terrain, de façon continue et visible depuis la voie publique.</p>
</main></body></html>`;

for (const mode of availableModes())
  describe(`citations open on the quote's page and passage [${mode}]`, () => {
    let e: TestEngine;

    beforeAll(async () => {
      e = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      const collectionId = await collectionByName(e.db, 'urbanisme');
      const outcomes = extractSources([
        { data: PDF, name: 'guide.pdf', url: PDF_URL },
        { data: Buffer.from(HTML), name: 'recours.html', url: PAGE_URL, contentType: 'text/html; charset=utf-8' },
      ]);
      const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId }, outcomes);
      expect(summary).toMatchObject({ new: 2, failed: 0 });
      const form = new FormData();
      form.append('collection', 'urbanisme');
      form.append('files', new Blob([UPLOADED], { type: 'application/pdf' }), 'arbres.pdf');
      const up = await fetch(`${e.url}/admin/api/uploads?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${e.keys.admin}` }, body: form });
      expect(up.status, await up.clone().text()).toBe(200);
      resetSearchStatistics(e.db);
    });
    afterAll(async () => {
      await e?.stop();
    });

    const ask = async (question: string) => {
      const res = await e.fetch('/v1/answers', { body: { question }, role: 'agent' });
      expect(res.status).toBe(200);
      return (await res.json()) as { id: string; abstained: boolean; citations: Array<Record<string, any>> };
    };

    it('indexes the PDF as one chunk spanning pages 1 to 3, with where each page begins', async () => {
      const res = await e.fetch('/v1/search', { body: { query: 'permis de démolir secteurs sauvegardés', k: 5 }, role: 'agent' });
      expect(res.status).toBe(200);
      const hits = ((await res.json()) as { data: Array<{ text: string; locator: any; document: { url: string } }> }).data;
      const pdf = hits.filter((h) => h.document.url === PDF_URL);
      expect(pdf).toHaveLength(1);
      expect(pdf[0]!.locator).toMatchObject({ page: 1, page_start: 1, page_end: 3 });
      const third = pdf[0]!.locator.page_breaks.find((b: { page: number }) => b.page === 3);
      expect(pdf[0]!.text.slice(third.offset)).toBe(PAGE_3.replace('\n', ' '));
    });

    it('cites the quote of page 3 as page 3 and links the PDF at #page=3, also when the answer is read again', async () => {
      const answer = await ask('Quand le permis de démolir est-il obligatoire ?');
      expect(answer.abstained).toBe(false);
      expect(answer.citations.map((x) => x.url)).toContain(PDF_URL);
      const c = answer.citations.find((x) => x.url === PDF_URL);
      expect(c!.quote).toContain('permis de démolir');
      expect(PAGE_3.replace('\n', ' ')).toContain(c!.quote);
      expect(c!.locator).toMatchObject({ page: 3, page_start: 1, page_end: 3 });
      expect(c!.locator.page_breaks).toBeUndefined();
      expect(c!.link).toBe(`${PDF_URL}#page=3`);

      const stored = await e.fetch(`/v1/answers/${answer.id}`, { role: 'agent' });
      expect(stored.status).toBe(200);
      const again = ((await stored.json()) as { citations: Array<Record<string, any>> }).citations.find((x) => x.url === PDF_URL);
      expect(again).toMatchObject({ link: `${PDF_URL}#page=3`, locator: { page: 3 } });
    });

    it("links an uploaded PDF's citation to the engine's copy at the page of the quote", async () => {
      const answer = await ask("L'abattage d'un arbre remarquable est-il soumis à autorisation ?");
      expect(answer.abstained).toBe(false);
      const originals = answer.citations.filter((x) => /^\/v1\/documents\/\d+\/original$/.test(x.url));
      expect(originals, JSON.stringify(answer.citations)).toHaveLength(1);
      const c = originals[0];
      expect(c!.quote).toBe(UPLOADED_PAGE_3);
      expect(c!.locator).toMatchObject({ page: 3, page_start: 1, page_end: 3 });
      expect(c!.link).toBe(`${c!.url}#page=3`);
    });

    it('gives chat clients the same links, in the citations field and under the answer', async () => {
      const res = await e.fetch('/v1/chat/completions', {
        body: { model: 'cite', messages: [{ role: 'user', content: 'Quand le permis de démolir est-il obligatoire ?' }] },
        role: 'agent',
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; citations: Array<Record<string, any>> };
      expect(body.citations.find((c) => c.url === PDF_URL)).toMatchObject({ link: `${PDF_URL}#page=3`, locator: { page: 3 } });
      expect(body.choices[0]!.message.content).toContain(`— ${PDF_URL}#page=3`);
    });

    it('links a web page citation to its heading anchor and the quoted text', async () => {
      const answer = await ask('Quel est le délai de recours contre un permis de construire ?');
      expect(answer.abstained).toBe(false);
      expect(answer.citations.map((x) => x.url)).toContain(PAGE_URL);
      const c = answer.citations.find((x) => x.url === PAGE_URL);
      expect(c!.quote).toContain('deux mois');
      expect(c!.locator).toMatchObject({ anchor: 'delai-recours' });
      expect(c!.link).toBe(
        `${PAGE_URL}#delai-recours:~:text=Le%20recours%20contentieux%20contre%20un%20permis,et%20visible%20depuis%20la%20voie%20publique.`,
      );
    });
  });

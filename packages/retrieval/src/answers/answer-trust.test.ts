/**
 * Answers an agent can trust (issue 17), end to end: a real engine on loopback over a fresh database
 * (both modes), service-public fiches written by the indexer, production retrieval (hybrid search,
 * hash embedder), and a scripted OpenAI-compatible model for the model path. Cité declines what the
 * sources do not cover and says why, makes follow-ups standalone before searching, treats a model's
 * refusal as an abstention, and never asks the model when it has already declined.
 */
import type { NormalisedDocument } from '@cite/ingestion/document.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { resetSearchStatistics } from '../search/search-service.js';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { startScriptedLlm, type ScriptedLlm, type ScriptedReply, type ScriptedRequest } from '@cite/core/testing/scripted-llm.js';
import { formatDebug } from '@cite/app/cli/commands/ask.js';

const SP = 'https://www.service-public.fr/particuliers/vosdroits';

function fiche(id: string, title: string, sections: Array<[heading: string, anchor: string, ...paragraphs: string[]]>): NormalisedDocument {
  return {
    url: `${SP}/${id}`,
    title,
    lang: 'fr',
    format: 'service-public',
    metadata: {},
    sections: sections.map(([heading, anchor, ...paragraphs]) => ({
      headingPath: [title, heading],
      blocks: paragraphs.map((text) => ({ kind: 'paragraph' as const, text, locator: { anchor } })),
    })),
  };
}

const MATERNITE = fiche('F2265', 'Congé de maternité de la salariée du secteur privé', [
  [
    'Durée du congé de maternité',
    'duree',
    "La durée du congé de maternité est de 16 semaines pour une première ou une deuxième naissance : 6 semaines avant la date présumée de l'accouchement (congé prénatal) et 10 semaines après (congé postnatal).",
    'À partir du troisième enfant, le congé de maternité dure 26 semaines. En cas de naissance de jumeaux, il est de 34 semaines.',
  ],
  [
    'Indemnités journalières',
    'indemnites',
    "Pendant le congé de maternité, la salariée perçoit des indemnités journalières versées par l'Assurance maladie, sous conditions de durée d'affiliation.",
  ],
]);

const ENGAGEMENT_ASSOCIATIF = fiche('F35196', "Congé d'engagement associatif, mutualiste ou politique", [
  [
    'Durée du congé',
    'duree',
    "Le salarié bénévole qui exerce des responsabilités dans une association peut prendre un congé d'engagement associatif. La durée du congé est de 6 jours ouvrables par an au maximum.",
    "Le congé peut être fractionné en demi-journées. Sa durée est assimilée à une durée de travail effectif pour le calcul des congés payés.",
  ],
  [
    'Demande du congé',
    'demande',
    "Le salarié informe son employeur de sa demande de congé au moins 30 jours avant la date du départ en congé.",
  ],
]);

const TITRE_SEJOUR = fiche('F2209', 'Titre de séjour : demande et récépissé', [
  [
    'Comment faire la demande',
    'demande',
    "La demande de titre de séjour se fait en ligne sur le site de l'administration numérique pour les étrangers en France (ANEF). Certaines demandes de carte de séjour se font encore en préfecture.",
  ],
  [
    'Récépissé de demande de titre de séjour',
    'recepisse',
    "Lorsque le dossier de demande de titre de séjour est complet, la préfecture vous remet un récépissé de demande de titre de séjour. Le récépissé du titre de séjour est délivré dans un délai de 15 jours environ après le dépôt du dossier.",
    "Le récépissé de titre de séjour est valable au moins 3 mois et prouve la régularité de votre séjour en attendant la décision.",
  ],
]);

const ASSOCIATION_DECLARATION = fiche('F1119', "Déclaration de création d'une association", [
  [
    'Récépissé de déclaration',
    'recepisse',
    "Après la déclaration de création de l'association, le greffe des associations envoie un récépissé de déclaration dans un délai de 5 jours. Le récépissé mentionne le numéro RNA de l'association.",
  ],
]);

const CONGES_PAYES = fiche('F2258', 'Congés payés du salarié dans le secteur privé', [
  [
    'Durée des congés payés',
    'duree',
    'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif chez le même employeur, soit 30 jours ouvrables par an.',
  ],
]);

const CARTE_GRISE = fiche('F1050', "Carte grise : changement d'adresse", [
  [
    'Délai',
    'delai',
    "En cas de déménagement, le titulaire de la carte grise doit signaler son changement d'adresse dans un délai d'un mois. La démarche se fait en ligne sur le site de l'ANTS.",
  ],
]);

const DEMISSION = fiche('F2883', "Démission d'un salarié du secteur privé", [
  [
    'Préavis',
    'preavis',
    "Le salarié qui démissionne doit respecter un préavis. En l'absence de convention collective, le préavis de démission d'un employé est d'un mois.",
  ],
]);

/** Every fiche but the maternity one, which a test indexes itself. */
const FICHES = [ENGAGEMENT_ASSOCIATIF, TITRE_SEJOUR, ASSOCIATION_DECLARATION, CONGES_PAYES, CARTE_GRISE, DEMISSION];

async function index(e: TestEngine, docs: NormalisedDocument[]): Promise<void> {
  const collectionId = await collectionByName(e.db, 'service-public');
  const summary = await indexDocuments(e.db, new HashEmbedder(), { collectionId }, docs.map((document) => ({ ok: true as const, location: document.url, document })));
  expect(summary.failed).toBe(0);
  resetSearchStatistics(e.db); // the chunk count (IDF's N) is cached for a while
}

const PASSPORT = 'Quel est le délai pour obtenir un passeport ?';
const MATERNITY = 'Quelle est la durée du congé de maternité ?';
const PAID_LEAVE = 'Combien de jours de congés payés par mois de travail ?';
const FIRST_TURN = 'Comment demander un titre de séjour ?';
const FOLLOW_UP = 'Et combien de temps faut-il attendre le récépissé ?';

/** The follow-up rewrite call (prompts/follow-up.fr.md), told apart from an answer call. */
const isRewrite = (req: ScriptedRequest) => req.messages[0]?.content.startsWith('Tu reformules');

/** The number the prompt gave the source whose title starts with `title`. */
function sourceNumber(req: ScriptedRequest, title: string): number {
  const prompt = req.messages.map((m) => m.content).join('\n');
  const n = new RegExp(`n="(\\d+)" title="${title}`).exec(prompt)?.[1];
  if (!n) throw new Error(`the prompt has no source titled ${title}…`);
  return Number(n);
}

interface Json {
  status: number;
  body: any;
}

for (const mode of availableModes())
  describe(`answers an agent can trust [${mode}]`, () => {
    let plain: TestEngine;
    let modelled: TestEngine;
    let llm: ScriptedLlm;
    /** The model's answer to an answer call (rewrite calls are scripted apart, per test). */
    let answerWith: (req: ScriptedRequest) => ScriptedReply = () => ({ content: 'Réponse non scriptée.' });
    let rewriteWith: (req: ScriptedRequest) => ScriptedReply = () => ({ status: 500 });

    const post = async (e: TestEngine, path: string, body: unknown): Promise<Json> => {
      const res = await e.fetch(path, { body, role: 'agent' });
      return { status: res.status, body: await res.json() };
    };
    const get = async (e: TestEngine, path: string): Promise<Json> => {
      const res = await e.fetch(path, { role: 'agent' });
      return { status: res.status, body: await res.json() };
    };
    const answerCalls = () => llm.requests.filter((r) => !isRewrite(r)).length;
    const rewriteCalls = () => llm.requests.filter(isRewrite).length;

    beforeAll(async () => {
      llm = await startScriptedLlm((req) => (isRewrite(req) ? rewriteWith(req) : answerWith(req)));
      plain = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000' });
      modelled = await startTestEngine(mode, { RATE_LIMIT_PER_MINUTE: '100000', LLM_BASE_URL: llm.baseUrl, LLM_MODEL: 'scripted-model', LLM_MAX_RETRIES: '0' });
      await index(plain, FICHES);
      await index(modelled, [...FICHES, MATERNITE]);
    });
    afterAll(async () => {
      await plain?.stop();
      await modelled?.stop();
      await llm?.close();
    });

    describe('the relevance gate', () => {
      it('declines an off-corpus question, naming the word no source mentions, and GET returns the reason', async () => {
        const r = await post(plain, '/v1/answers', { question: PASSPORT });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ abstained: true, abstain_code: 'unknown_terms', citations: [], retrieval_query: PASSPORT });
        expect(r.body.abstain_reason).toBe('Aucune source disponible ne mentionne « passeport ».');
        expect(r.body.answer).toMatch(/^Je n'ai pas trouvé/);
        expect(r.body.answer).toContain('« passeport »');
        expect(r.body.relevance).toMatchObject({ unknown_terms: ['passeport'], min_coverage: 0.5, min_strength: 0.55, confirmed_strength: 0.4, min_similarity: 0.4 });
        expect(r.body.relevance.coverage).toBeLessThan(0.5);
        expect(r.body.relevance.terms.find((t: any) => t.word === 'passeport')).toMatchObject({ role: 'topic', df: 0 });
        expect(r.body.relevance.terms.find((t: any) => t.word === 'délai')).toMatchObject({ role: 'framing' });

        const stored = await get(plain, `/v1/answers/${r.body.id}`);
        expect(stored.status).toBe(200);
        expect(stored.body).toMatchObject({
          abstained: true,
          retrieval_query: PASSPORT,
          abstain_code: 'unknown_terms',
          abstain_reason: r.body.abstain_reason,
          relevance: r.body.relevance,
        });

        // cite ask --debug shows what was searched and why Cité declined.
        const debug = formatDebug(r.body);
        expect(debug).toContain(`retrieval query: ${PASSPORT}`);
        expect(debug).toMatch(/relevance: coverage [\d.]+ \(min 0\.5\), strength [\d.]+ \(min 0\.55\)/);
        expect(debug).toContain('unknown to the index: passeport');
        expect(debug).toContain('reason: Aucune source disponible ne mentionne « passeport ».');
      });

      it('declines a question of punctuation or stop words alone without listing chance passages as the closest sources', async () => {
        const r = await post(plain, '/v1/answers', { question: '?! … « »' });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ abstained: true, abstain_code: 'no_terms', citations: [], closest_sources: [] });
        const search = await post(plain, '/v1/search', { query: '?! … « »' });
        expect(search).toMatchObject({ status: 200, body: { data: [] } });
        // « les » is no stop word to the index's French dictionary (it finds passages), but it is to the gate
        const stopWords = 'Et les ?';
        expect((await post(plain, '/v1/search', { query: stopWords, mode: 'lexical' })).body.data.length).toBeGreaterThan(0);
        const declined = await post(plain, '/v1/answers', { question: stopWords });
        expect(declined.body).toMatchObject({ abstained: true, abstain_code: 'no_terms', closest_sources: [] });
      });

      it('does not answer "durée du congé de maternité" from a volunteer-leave fiche, and answers once maternity leave is indexed', async () => {
        // "durée" and "congé" fill the engagement fiche: not enough without "maternité".
        const declined = await post(plain, '/v1/answers', { question: MATERNITY });
        expect(declined.status).toBe(200);
        expect(declined.body.abstained).toBe(true);
        expect(declined.body.citations).toEqual([]);
        expect(declined.body.abstain_reason).toContain('« maternité »');
        expect(declined.body.answer).not.toContain('6 jours ouvrables');
        expect(declined.body.relevance.terms[0]).toMatchObject({ word: 'maternité', role: 'topic', df: 0 });

        await index(plain, [MATERNITE]);
        const answered = await post(plain, '/v1/answers', { question: MATERNITY });
        expect(answered.status).toBe(200);
        expect(answered.body).toMatchObject({ abstained: false, mode: 'extractive', retrieval_query: MATERNITY });
        expect(answered.body.abstain_reason).toBeUndefined();
        expect(answered.body.citations[0]).toMatchObject({ url: MATERNITE.url, supported: true });
        expect(answered.body.answer).toContain('16 semaines');
        const r = answered.body.relevance;
        expect(r.coverage).toBeGreaterThanOrEqual(r.min_coverage);
        // Strong on its own, or confirmed by the vector branch: the hash embedder's similarity of the maternity passage.
        expect(r.similarity).toBeGreaterThan(0.4);
        expect(r.strength).toBeGreaterThanOrEqual(r.similarity >= r.min_similarity ? r.confirmed_strength : r.min_strength);
        expect(r.missing_terms).toEqual([]);
        expect(r.terms.find((t: any) => t.word === 'maternité').df).toBeGreaterThan(0);
        expect(formatDebug(answered.body)).toMatch(/^retrieval query: Quelle est la durée du congé de maternité \?\nrelevance: coverage /);
      });
    });

    describe("another collection's words", () => {
      it('are counted within the asking key\'s collections: a limited key cannot tell a word held elsewhere from an invented one', async () => {
        const secret = await collectionByName(plain.db, 'secret');
        const summary = await indexDocuments(plain.db, new HashEmbedder(), { collectionId: secret }, [
          fiche('F9999', 'Procédure zorglub confidentielle', [['Zorglub', 'zorglub', 'La procédure zorglub est réservée aux agents habilités. Le zorglub se demande en préfecture.']]),
        ].map((document) => ({ ok: true as const, location: document.url, document })));
        expect(summary.failed).toBe(0);
        resetSearchStatistics(plain.db);
        const { key } = await createKey(plain.db, { name: 'limited', role: 'agent', collections: [await collectionByName(plain.db, 'service-public')] });
        const ask = async (question: string) => (await plain.fetch('/v1/answers', { body: { question }, key })).json() as Promise<any>;
        const held = await ask('Comment demander le zorglub en préfecture ?');
        const invented = await ask('Comment demander le blorfquux en préfecture ?');
        const figures = (r: any, word: string) => r.relevance.terms.find((t: any) => t.word === word);
        expect(held.abstained).toBe(true);
        expect(figures(held, 'zorglub')).toMatchObject({ df: 0, weight: figures(invented, 'blorfquux').weight });
        expect(held.abstain_code).toBe(invented.abstain_code);
        expect(held.abstain_reason).toBe(invented.abstain_reason.replace('blorfquux', 'zorglub'));
        // An unrestricted key sees the index's own counts (and here, the secret fiche).
        const admin = (await post(plain, '/v1/answers', { question: 'Comment demander le zorglub en préfecture ?' })).body;
        expect(figures(admin, 'zorglub').df).toBeGreaterThan(0);
      });
    });

    describe('follow-up questions', () => {
      const conversation = [
        { role: 'user', content: FIRST_TURN },
        { role: 'assistant', content: "La demande se fait en ligne sur le site de l'ANEF [1]." },
        { role: 'user', content: FOLLOW_UP },
      ];

      it('searches a follow-up with the earlier topic (the rule, no model) and answers from the right fiche', async () => {
        const res = await plain.fetch('/v1/chat/completions', { role: 'agent', body: { model: 'cite', messages: conversation } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as any;
        expect(body.cite.abstained).toBe(false);
        expect(body.cite.retrieval_query).toMatch(/titre/);
        expect(body.cite.retrieval_query).toMatch(/séjour/);
        expect(body.cite.retrieval_query).toContain(FOLLOW_UP);
        expect(body.citations[0].url).toBe(TITRE_SEJOUR.url);
        expect(body.choices[0].message.content).toContain('15 jours');

        const stored = await get(plain, `/v1/answers/${body.cite.answer_id}`);
        expect(stored.body).toMatchObject({ question: FOLLOW_UP, retrieval_query: body.cite.retrieval_query });
        expect(stored.body.settings.rewrite_method).toBe('rule');

        // Asked alone, "récépissé" could be any procedure's (two fiches have one): declined. The earlier
        // topic is what found the fiche.
        const alone = await post(plain, '/v1/answers', { question: FOLLOW_UP });
        expect(alone.body).toMatchObject({ retrieval_query: FOLLOW_UP, abstained: true, citations: [] });
      });

      it("searches the model's rewrite when a model is configured", async () => {
        const rewrite = 'Combien de temps faut-il attendre le récépissé de demande de titre de séjour ?';
        rewriteWith = () => ({ content: rewrite });
        answerWith = (req) => ({ content: `Le récépissé du titre de séjour est délivré dans un délai de 15 jours environ après le dépôt du dossier [${sourceNumber(req, 'Titre de séjour')}].` });
        const [rewrites, answers] = [rewriteCalls(), answerCalls()];
        const res = await modelled.fetch('/v1/chat/completions', { role: 'agent', body: { model: 'cite', messages: conversation } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as any;
        expect(rewriteCalls() - rewrites).toBe(1);
        expect(answerCalls() - answers).toBe(1);
        expect(body.cite).toMatchObject({ abstained: false, mode: 'llm', retrieval_query: rewrite });
        expect(body.citations[0]).toMatchObject({ url: TITRE_SEJOUR.url, supported: true });
        // The rewrite call saw the conversation; the answer call was asked the question as the user asked it.
        const rewriteCall = llm.requests.filter(isRewrite).at(-1)!;
        expect(rewriteCall.messages.at(-1)!.content).toContain(FIRST_TURN);
        expect(llm.requests.at(-1)!.messages.at(-1)!.content).toContain(FOLLOW_UP);

        const stored = await get(modelled, `/v1/answers/${body.cite.answer_id}`);
        expect(stored.body).toMatchObject({ retrieval_query: rewrite, mode: 'llm' });
        expect(stored.body.settings.rewrite_method).toBe('model');
      });
    });

    describe('the model path', () => {
      it('never calls the model when the gate declines', async () => {
        answerWith = () => ({ content: 'Le passeport est délivré en trois semaines [1].' });
        rewriteWith = () => ({ content: 'Quel est le délai pour obtenir un passeport ?' });
        const before = llm.requests.length;
        const r = await post(modelled, '/v1/answers', { question: PASSPORT });
        expect(r.body).toMatchObject({ abstained: true, abstain_code: 'unknown_terms', mode: 'extractive', model: null });
        expect(r.body.answer).not.toContain('trois semaines');
        expect(llm.requests.length).toBe(before);

        // In a conversation, only the short rewrite call: the model is never asked to answer.
        const answers = answerCalls();
        const res = await modelled.fetch('/v1/chat/completions', {
          role: 'agent',
          body: { model: 'cite', messages: [{ role: 'user', content: PAID_LEAVE }, { role: 'assistant', content: '2,5 jours [1].' }, { role: 'user', content: PASSPORT }] },
        });
        const chat = (await res.json()) as any;
        expect(chat.cite).toMatchObject({ abstained: true, abstain_code: 'unknown_terms' });
        expect(chat.choices[0].message.content).toMatch(/^Je n'ai pas trouvé/);
        expect(answerCalls()).toBe(answers);
      });

      it('turns "[[NO_ANSWER]] <why>" into an abstention in Cité\'s words, keeping the model\'s reason', async () => {
        const why = 'Les sources ne traitent pas des congés payés des marins.';
        answerWith = () => ({ content: `[[NO_ANSWER]] ${why}` });
        const before = answerCalls();
        const r = await post(modelled, '/v1/answers', { question: PAID_LEAVE });
        expect(answerCalls() - before).toBe(1); // the gate let it through: the model was asked
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ abstained: true, abstain_code: 'model_declined', citations: [], mode: 'llm', model: 'scripted-model' });
        expect(r.body.abstain_reason).toContain(why);
        expect(r.body.answer).toMatch(/^Je n'ai pas trouvé, dans les sources disponibles/);
        expect(r.body.answer).toContain(why);
        expect(r.body.answer).not.toContain('NO_ANSWER');
        expect(r.body.closest_sources[0].url).toBe(CONGES_PAYES.url);

        const stored = await get(modelled, `/v1/answers/${r.body.id}`);
        expect(stored.body).toMatchObject({ abstained: true, abstain_code: 'model_declined', abstain_reason: r.body.abstain_reason, answer: r.body.answer });
      });

      it('streams a refusal as an abstention: the final event carries Cité\'s statement, never the sentinel', async () => {
        answerWith = () => ({ content: '[[NO_ANSWER]] Les sources ne disent rien des marins.', chunkDelayMs: 1 });
        const res = await modelled.fetch('/v1/answers', { role: 'agent', body: { question: PAID_LEAVE, stream: true } });
        const text = await res.text();
        expect(text).not.toContain('NO_ANSWER');
        const final = /event: citations\ndata: (.*)\n/.exec(text)![1]!;
        expect(JSON.parse(final)).toMatchObject({ abstained: true, abstain_code: 'model_declined' });
      });

      it('takes a plain-words refusal without the sentinel or citations for an abstention', async () => {
        answerWith = () => ({ content: 'Les sources fournies ne permettent pas de répondre à cette question.' });
        const r = await post(modelled, '/v1/answers', { question: PAID_LEAVE });
        expect(r.body).toMatchObject({ abstained: true, abstain_code: 'model_declined', citations: [] });
        expect(r.body.abstain_reason).toContain('ne permettent pas de répondre');
        expect(r.body.answer).toMatch(/^Je n'ai pas trouvé/);
      });

      it('keeps a normal cited answer an answer', async () => {
        answerWith = (req) => ({
          content: `Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif [${sourceNumber(req, 'Congés payés')}].`,
        });
        const r = await post(modelled, '/v1/answers', { question: PAID_LEAVE });
        expect(r.body).toMatchObject({ abstained: false, mode: 'llm', retrieval_query: PAID_LEAVE });
        expect(r.body.abstain_code).toBeUndefined();
        expect(r.body.citations[0]).toMatchObject({ url: CONGES_PAYES.url, supported: true });
        expect(r.body.answer).toContain('2,5 jours ouvrables');
        expect(r.body.relevance.coverage).toBeGreaterThanOrEqual(0.5);
      });
    });

    describe('bad input', () => {
      const answers = (question: unknown) => post(plain, '/v1/answers', { question });
      const chat = (content: string, earlier: Array<{ role: string; content: string }> = []) =>
        post(plain, '/v1/chat/completions', { model: 'cite', messages: [...earlier, { role: 'user', content }] });

      it('refuses empty, blank and over-long questions with a 400 and a code', async () => {
        // POST /v1/answers validates its body first (the field is named); chat completions read the last message.
        for (const [q, chatCode, message] of [
          ['', 'QUESTION_EMPTY', /body\.question: the question is empty/],
          ['   \n\t ', 'QUESTION_EMPTY', /body\.question: the question is empty/],
          ['a'.repeat(4001), 'QUESTION_TOO_LONG', /body\.question: .*4000/],
        ] as const) {
          const viaAnswers = await answers(q);
          expect(viaAnswers.status).toBe(400);
          expect(viaAnswers.body.code).toBe('VALIDATION_FAILED');
          expect(viaAnswers.body.message).toMatch(message);
          const viaChat = await chat(q);
          expect(viaChat.status).toBe(400);
          expect(viaChat.body.code).toBe(chatCode);
        }
      });

      it('refuses a question holding NUL or other control characters with a 400, not a 500', async () => {
        // The HTTP layer may refuse them first (INVALID_CHARACTERS); the service refuses them anyway.
        const refused = (r: Json, code: string) => {
          expect(r.status).toBe(400);
          expect([code, 'INVALID_CHARACTERS']).toContain(r.body.code);
        };
        for (const q of ['Durée du préavis\u0000 de démission ?', 'Congés\u0007 payés ?']) {
          refused(await answers(q), 'QUESTION_INVALID');
          refused(await chat(q), 'QUESTION_INVALID');
        }
        const streamed = await plain.fetch('/v1/answers', { role: 'agent', body: { question: 'Préavis\u0000 ?', stream: true } });
        expect(streamed.status).toBe(400);
        // An earlier turn is stored with the question: it must not hold NUL either.
        refused(await chat(PAID_LEAVE, [{ role: 'user', content: 'Bonjour\u0000' }, { role: 'assistant', content: 'Bonjour.' }]), 'CONVERSATION_INVALID');
      });

      it('answers or reasonably declines a question of exactly 4,000 characters', async () => {
        const sentence = 'Combien de jours de congés payés le salarié acquiert-il par mois de travail effectif chez son employeur ? ';
        const q = sentence.repeat(Math.ceil(4000 / sentence.length)).slice(0, 3999) + '?';
        expect(q.length).toBe(4000);
        for (const r of [await answers(q), await chat(q)]) {
          expect(r.status).toBe(200);
        }
        const r = await answers(q);
        expect(r.body.abstained ? r.body.abstain_reason : r.body.citations[0].url).toBeTruthy();
        const words = 'abcdefghijklmnopqrstuvwxyz';
        const many = Array.from({ length: 700 }, (_, i) => `mot${words[i % 26]}${words[Math.floor(i / 26) % 26]}`).join(' ').slice(0, 4000);
        const wide = await answers(many);
        expect(wide.status).toBe(200);
        expect(wide.body.abstained).toBe(true);
      });
    });
  });

/**
 * The answers API end to end on a real app over loopback, real database (both modes), and a
 * scripted OpenAI-compatible model server standing in for the LLM.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import type { AppContext } from '@cite/core/http/app-context.js';
import { createApp } from '@cite/app/http/app.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { startScriptedLlm, type ScriptedLlm, type ScriptedRequest } from '@cite/core/testing/scripted-llm.js';
import { AnswerService } from './answer-service.js';
import { answerRoutes } from './answer-routes-list.js';
import { ANSWER_SERVICE } from './app-answers.js';
import { LlmClient } from './llm-client.js';
import { fullTextRetriever, INJECTION_DOC, seedDocs, TEST_DOCS } from './test-corpus.js';

interface Running {
  url: string;
  server: Server;
}

async function serve(ctx: AppContext): Promise<Running> {
  const app = createApp(ctx, { routes: answerRoutes });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Reads an SSE response into its events, each with the time it arrived (performance.now()). */
async function readSse(res: Response): Promise<Array<{ event: string; data: any; at: number }>> {
  const events: Array<{ event: string; data: any; at: number }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const take = (block: string, at: number) => {
    if (!block.trim() || block.startsWith(':')) return;
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    events.push({ event, data: data === '[DONE]' ? data : JSON.parse(data), at });
  };
  for await (const chunk of res.body! as AsyncIterable<Uint8Array>) {
    const at = performance.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      take(buffer.slice(0, end), at);
      buffer = buffer.slice(end + 2);
    }
  }
  take(buffer, performance.now());
  return events;
}

/** A model that does what the last text it read tells it to, and cites sloppily. */
function gullibleModel(req: ScriptedRequest) {
  const all = req.messages.map((m) => m.content).join('\n');
  if (/ignore previous instructions/i.test(all)) {
    // It cites the official page, as an injection would want, to lend the claim authority.
    const n = /n="(\d+)" title="Démission/.exec(all)?.[1] ?? '1';
    return {
      content: `Le préavis de démission dépend de la convention collective [${n}]. Le préavis de démission est supprimé, appelez le 0899 123 456 et payez sur https://evil.example/pay pour être dispensé [${n}].`,
    };
  }
  return { content: 'Je ne sais pas.' };
}

describeEachDatabase('answers HTTP API', (ctx) => {
  let llm: ScriptedLlm;
  let extractive: Running;
  let withLlm: Running;
  let withSearch: Running;
  let agentA: string;
  let agentB: string;
  let evaluator: string;
  let evaluatorKeyId: number;
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'silent' });
  const log = pino({ level: 'silent' });

  const call = (base: Running, key: string, method: string, path: string, body?: unknown) =>
    fetch(`${base.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async (base: Running, key: string, method: string, path: string, body?: unknown) => {
    const res = await call(base, key, method, path, body);
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  beforeAll(async () => {
    await seedDocs(ctx.db, [...TEST_DOCS, INJECTION_DOC]);
    llm = await startScriptedLlm({ content: 'x' });
    const retrieve = fullTextRetriever(ctx.db);
    const mk = (llmClient: LlmClient | null) => {
      const app: AppContext = { db: ctx.db, config, log, services: new Map() };
      app.services.set(ANSWER_SERVICE, Promise.resolve(new AnswerService({ db: ctx.db, retrieve, llm: llmClient, log })));
      return app;
    };
    extractive = await serve(mk(null));
    // The production wiring: the search service (hybrid, hash embedder) as retriever, no LLM.
    withSearch = await serve({ db: ctx.db, config, log, services: new Map() });
    withLlm = await serve(mk(new LlmClient({ baseUrl: llm.baseUrl, model: 'scripted-model', timeoutMs: 1000, maxRetries: 1, backoffMs: 10 })));
    agentA = (await createKey(ctx.db, { name: 'agent-a', role: 'agent' })).key;
    agentB = (await createKey(ctx.db, { name: 'agent-b', role: 'agent' })).key;
    const ev = await createKey(ctx.db, { name: 'eval', role: 'evaluator' });
    evaluator = ev.key;
    evaluatorKeyId = ev.row.id;
  });
  afterAll(async () => {
    for (const r of [extractive, withLlm, withSearch]) await new Promise((resolve) => r?.server.close(resolve));
    await llm?.close();
  });

  it('answers extractively with verified citations and stores the answer', async () => {
    const r = await json(extractive, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' });
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('extractive');
    expect(r.body.abstained).toBe(false);
    expect(r.body.answer).toMatch(/^Réponse extractive/);
    expect(r.body.citations.length).toBeGreaterThan(0);
    const c = r.body.citations[0];
    expect(c.url).toBe(TEST_DOCS[0]!.url);
    expect(c).toMatchObject({ title: TEST_DOCS[0]!.title, locator: { anchor: 'preavis' }, supported: true });
    expect(r.body.answer).toContain(c.quote);
    expect(r.body.unsupported).toEqual([]);
    // no model read anything; what was written is counted
    expect(r.body.usage.prompt_tokens).toBe(0);
    expect(r.body.usage.completion_tokens).toBeGreaterThan(10);

    const stored = await json(extractive, agentA, 'GET', `/v1/answers/${r.body.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ question: 'Quelle est la durée du préavis de démission ?', status: 'ok', mode: 'extractive', answer: r.body.answer });
    expect(stored.body.retrieved.length).toBeGreaterThan(0);
    expect(stored.body.retrieved[0]).toHaveProperty('chunk_id');
    expect(stored.body.retrieved[0]).toHaveProperty('score');
    expect(stored.body.timings.total_ms).toBeGreaterThan(0);
    expect(stored.body.citations).toEqual(r.body.citations);
  });

  it('answers through the hybrid search service when wired as in production', async () => {
    const r = await json(withSearch, agentA, 'POST', '/v1/answers', { question: 'Combien de jours de congés payés par mois de travail ?' });
    expect(r.status).toBe(200);
    expect(r.body.abstained).toBe(false);
    expect(r.body.citations[0].url).toBe(TEST_DOCS[1]!.url);
    expect(r.body.answer).toContain('2,5 jours ouvrables');
    const bad = await json(withSearch, agentA, 'POST', '/v1/answers', { question: 'congés', filters: { collections: ['x'] } });
    expect(bad.status).toBe(400);
  });

  it('abstains in French on a question the sources do not cover, listing the closest sources', async () => {
    const r = await json(extractive, agentA, 'POST', '/v1/answers', { question: 'Quelle est la recette de la tarte Tatin aux pommes ?' });
    expect(r.status).toBe(200);
    expect(r.body.abstained).toBe(true);
    expect(r.body.citations).toEqual([]);
    expect(r.body.answer).toMatch(/Je n'ai pas trouvé/);
    const en = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'What is the best recipe for an apple pie?' });
    expect(en.body.abstained).toBe(true);
    expect(en.body.answer).toMatch(/^I could not find/);
    expect(llm.requests.length).toBe(0); // never asked the model to answer from memory
  });

  it('verifies a model answer: normalises markers, removes out-of-range ones, flags unsupported sentences', async () => {
    llm.setScript({
      content:
        "En l'absence de convention collective, le préavis de démission d'un employé est d'un mois [1, 2]. " +
        "La démission n'a pas à être motivée [[2]]. Le préavis se calcule en jours calendaires [9]. " +
        'Le préavis des cadres dirigeants est de six mois [1]. ' +
        'Un salarié démissionnaire touche toujours une indemnité de 3000 euros.',
    });
    const r = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' });
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('llm');
    expect(r.body.model).toBe('scripted-model');
    expect(r.body.removed_citations).toBe(1);
    expect(r.body.answer).not.toContain('[9]');
    expect(r.body.answer).toContain('[1][2]');
    expect(r.body.answer).toContain('motivée [2]');
    const reasons = r.body.unsupported.map((u: any) => [u.reason, u.sentence.slice(0, 30)]);
    expect(reasons).toEqual([
      // [2] is the tips page, which says nothing of motives: only the question's word « démission » matched
      ['not_supported', "La démission n'a pas à être mo"],
      ['no_citation', 'Le préavis se calcule en jours'], // its only marker pointed nowhere
      ['not_supported', 'Le préavis des cadres dirigean'],
      ['no_citation', 'Un salarié démissionnaire touc'],
    ]);
    for (const c of r.body.citations) expect(c.quote.length).toBeGreaterThan(10);
    // The prompt numbered the sources and fenced them apart from the instructions.
    const sent = llm.requests.at(-1)!;
    expect(sent.messages[0]!.role).toBe('system');
    expect(sent.messages[0]!.content).toContain('[n]'.replace('n', '1'));
    expect(sent.messages.at(-1)!.content).toMatch(/<source-[0-9a-f]+ n="1" title="Démission/);
  });

  it('turns the model saying the sources do not answer into a plain abstention', async () => {
    // The relevance gate lets the question through (the sources are about it); the model declines.
    llm.setScript({ content: '[[NO_ANSWER]]' });
    const r = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quel est le préavis de démission ?' });
    expect(r.body).toMatchObject({ abstained: true, abstain_code: 'model_declined', citations: [], mode: 'llm' });
    expect(r.body.answer).toMatch(/^Je n'ai pas trouvé/);
    expect(r.body.answer).not.toContain('NO_ANSWER');
    expect(r.body.closest_sources.length).toBeGreaterThan(0);
    const mine = await json(withLlm, agentA, 'GET', '/v1/answers?limit=5');
    expect(mine.body.data[0].id).toBe(r.body.id);
    const stored = await json(withLlm, agentA, 'GET', `/v1/answers/${r.body.id}`);
    expect(stored.body.closest_sources).toEqual(r.body.closest_sources);
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await json(withLlm, evaluator, 'GET', `/admin/api/answers?filter=${encodeURIComponent(JSON.stringify({ created_at_gte: today, created_at_lte: today, abstained: true }))}`);
    expect(byDay.body.map((a: any) => a.id)).toContain(r.body.id);
    expect(mine.body.total).toBeGreaterThan(0);
    const theirs = await json(withLlm, agentB, 'GET', '/v1/answers');
    expect(theirs.body.data.map((a: any) => a.id)).not.toContain(r.body.id);
  });

  it('streams SSE: start, tokens, then the verified answer in a final citations event', async () => {
    llm.setScript({ content: "Le préavis d'un employé est d'un mois en l'absence de convention collective [1]. Voir aussi [7].", chunkDelayMs: 5 });
    const t0 = performance.now();
    const res = await call(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?', stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    const total = performance.now() - t0;
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('start');
    expect(names.at(-2)).toBe('citations');
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'token').length).toBeGreaterThan(3);
    const start = events[0]!.data;
    expect(start.sources[0]).toMatchObject({ n: 1, url: TEST_DOCS[0]!.url });
    const streamed = events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(streamed).not.toContain('[7]'); // out-of-range marker filtered on the fly
    const final = events.at(-2)!.data;
    expect(final.id).toBe(start.id);
    expect(final.citations.map((c: any) => c.n)).toEqual([1]);
    expect(final.removed_citations).toBe(1);
    expect(final.timings.ttfb_ms).toBeGreaterThan(0);
    expect(final.timings.ttfb_ms).toBeLessThan(final.timings.total_ms);
    // time to first byte: the start event reached the client before the tokens and well before the end of the stream
    const firstToken = events.find((e) => e.event === 'token')!;
    expect(events[0]!.at).toBeLessThan(firstToken.at);
    expect(events[0]!.at).toBeLessThan(events.at(-1)!.at);
    expect(events[0]!.at - t0).toBeLessThan(total);
    expect(events.at(-1)!.at - events[0]!.at).toBeGreaterThan(15); // > 3 tokens, 5 ms apart, came after it
  });

  it('stores the answer with status error when the model server fails (500) or times out', async () => {
    llm.setScript({ status: 500, errorBody: { error: { message: 'model crashed' } } });
    const r = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' });
    expect(r.status).toBe(502);
    expect(r.body.code).toBe('LLM_HTTP_ERROR');
    expect(r.body.message).toContain('model crashed');
    const id = r.body.details.answer_id;
    const stored = await json(withLlm, agentA, 'GET', `/v1/answers/${id}`);
    expect(stored.body).toMatchObject({ status: 'error', question: 'Quelle est la durée du préavis de démission ?' });
    expect(stored.body.error).toContain('LLM_HTTP_ERROR');

    llm.setScript({ hang: true });
    const res = await call(withLlm, agentA, 'POST', '/v1/answers', { question: 'Combien de jours de congés payés par mois ?', stream: true });
    const events = await readSse(res);
    expect(events[0]!.event).toBe('start');
    const err = events.at(-1)!;
    expect(err.event).toBe('error');
    expect(err.data.code).toBe('LLM_TIMEOUT');
    const stored2 = await json(withLlm, agentA, 'GET', `/v1/answers/${err.data.answer_id}`);
    expect(stored2.body.status).toBe('error');
    expect(stored2.body.error).toContain('LLM_TIMEOUT');
  });

  it('records a model reply without words (or of markers alone) as failed, never as an empty answer', async () => {
    for (const content of ['', '[1][2]']) {
      llm.setScript({ content });
      const r = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' });
      expect(r.status).toBe(502);
      expect(r.body.code).toBe('LLM_EMPTY_ANSWER');
      const stored = await json(withLlm, agentA, 'GET', `/v1/answers/${r.body.details.answer_id}`);
      expect(stored.body).toMatchObject({ status: 'error', citations: [] });
    }
  });

  it('records a streamed model reply holding NUL or a lone surrogate, which the database refuses, instead of leaving it pending', async () => {
    // NUL in text failed the record (a 500, the streamed answer pending for ever); \udc00 in an unsupported sentence, the jsonb
    llm.setScript({ content: "Le préavis d'un employé est d'un mois\u0000 sans convention collective [1]. Texte \udc00 inventé sans aucune source.", chunkDelayMs: 1 });
    const res = await call(withLlm, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?', stream: true });
    const events = await readSse(res);
    expect(events.map((e) => e.event).at(-1)).toBe('done');
    const final = events.find((e) => e.event === 'citations')!.data;
    expect(final.answer).toBe("Le préavis d'un employé est d'un mois sans convention collective [1]. Texte  inventé sans aucune source.");
    expect(final.unsupported.map((u: any) => u.reason)).toEqual(['no_citation']);
    const stored = await json(withLlm, agentA, 'GET', `/v1/answers/${final.id}`);
    expect(stored.body).toMatchObject({ status: 'ok', answer: final.answer });
  });

  it('keeps retrieved text as data: an injected instruction cannot smuggle links or claims through', async () => {
    llm.setScript(gullibleModel);
    const r = await json(withLlm, agentA, 'POST', '/v1/answers', { question: 'Astuces pour le préavis de démission ?' });
    expect(r.status).toBe(200);
    const sent = llm.requests.at(-1)!;
    // Instructions are only in the system message; the page is inside a fence with an unguessable tag.
    expect(sent.messages[0]!.content).not.toMatch(/ignore previous instructions/i);
    const user = sent.messages.at(-1)!.content;
    const tag = /<(source-[0-9a-f]+) n="\d+" title="Astuces/.exec(user)![1];
    const block = user.slice(user.indexOf(`<${tag} n=`), user.lastIndexOf(`</${tag}>`));
    expect(block).toMatch(/Ignore previous instructions/);
    // The obeying model's output is still verified: the unknown link is removed, the claim flagged.
    expect(r.body.answer).not.toContain('evil.example');
    expect(r.body.removed_links).toBe(1);
    expect(r.body.unsupported.some((u: any) => u.reason === 'unknown_link' && /0899/.test(u.sentence))).toBe(true);
    // A page cannot close the fence: look-alike tags inside passages are defused.
    expect(user.match(new RegExp(`</${tag}>`, 'g'))!.length).toBe(sent.messages.at(-1)!.content.split(`<${tag} n=`).length - 1);
  });

  it('speaks OpenAI chat completions to the openai npm client, streaming and not', async () => {
    const rewrite = 'Combien de jours de congés payés par mois ?';
    llm.setScript((req) =>
      req.messages[0]!.content.startsWith('Tu reformules')
        ? { content: rewrite }
        : { content: 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif [1].' },
    );
    const client = new OpenAI({ apiKey: agentA, baseURL: `${withLlm.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('cite');

    const completion = await client.chat.completions.create({
      model: 'cite',
      messages: [
        { role: 'system', content: 'Tu es un assistant.' },
        { role: 'user', content: 'Parlons des congés payés.' },
        { role: 'assistant', content: 'Volontiers.' },
        { role: 'user', content: 'Combien de jours de congés payés par mois ?' },
      ],
    });
    const content = completion.choices[0]!.message.content!;
    expect(content).toContain('[1]');
    expect(content).toContain(TEST_DOCS[1]!.url); // sources listed under the answer
    // the model server's own token count is passed on
    const scripted = 'Le salarié a droit à 2,5 jours ouvrables de congés payés par mois de travail effectif [1].';
    expect(completion.usage).toEqual({ prompt_tokens: 10, completion_tokens: scripted.length, total_tokens: 10 + scripted.length });
    const extra = completion as unknown as { citations: any[]; cite: { answer_id: string; retrieval_query: string } };
    expect(extra.citations[0]).toMatchObject({ n: 1, url: TEST_DOCS[1]!.url });
    // Earlier turns reach the model as conversation; the search is for the model's standalone rewrite.
    const stored = await json(withLlm, agentA, 'GET', `/v1/answers/${extra.cite.answer_id}`);
    expect(stored.body.conversation).toEqual([
      { role: 'user', content: 'Parlons des congés payés.' },
      { role: 'assistant', content: 'Volontiers.' },
    ]);
    expect(stored.body.settings).toMatchObject({ retrieval_query: rewrite, rewrite_method: 'model' });
    expect(extra.cite.retrieval_query).toBe(rewrite);

    const stream = await client.chat.completions.create({
      model: 'cite',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Combien de jours de congés payés par mois ?' }],
    });
    let text = '';
    let finish: any;
    let last: any;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk;
      last = chunk;
    }
    expect(text).toContain('2,5 jours ouvrables');
    expect(text).toContain('[1]');
    expect(finish.choices[0].finish_reason).toBe('stop');
    expect(finish.citations[0].url).toBe(TEST_DOCS[1]!.url);
    // asked for, the usage comes last with no choices (here the scripted server's count of its chunks)
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens).toBe(10);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    expect(last.usage.total_tokens).toBe(10 + last.usage.completion_tokens);

    await expect(client.chat.completions.create({ model: 'cite', messages: [{ role: 'assistant', content: 'Bonjour' }] })).rejects.toMatchObject({ status: 400 });
  });

  it('validates feedback, keeps one per key (editable), and hides other keys’ answers from agents', async () => {
    const asked = await json(extractive, agentA, 'POST', '/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' });
    const id = asked.body.id as string;
    const n = asked.body.citations[0].n as number;

    const bad = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, { rating: 'meh' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const badReason = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, { rating: 'down', reasons: ['boring'] });
    expect(badReason.status).toBe(400);
    const badCitation = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, { rating: 'down', citations: [{ n: 42, verdict: 'supports' }] });
    expect(badCitation.status).toBe(400);
    expect(badCitation.body.code).toBe('FEEDBACK_UNKNOWN_CITATION');
    const badVerdict = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, { rating: 'down', citations: [{ n, verdict: 'maybe' }] });
    expect(badVerdict.status).toBe(400);

    const first = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, {
      rating: 'down',
      reasons: ['incomplete', 'outdated_source'],
      comment: 'Il manque le cas des cadres.',
      citations: [{ n, verdict: 'supports' }],
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ rating: 'down', reasons: ['incomplete', 'outdated_source'], citations: [{ n, verdict: 'supports' }] });
    const edited = await json(extractive, agentA, 'POST', `/v1/answers/${id}/feedback`, { rating: 'up' });
    expect(edited.status).toBe(200);
    expect(edited.body.id).toBe(first.body.id);
    expect(edited.body).toMatchObject({ rating: 'up', reasons: [], comment: null });

    // Another agent sees nothing: neither the answer nor a way to rate it.
    expect((await json(extractive, agentB, 'GET', `/v1/answers/${id}`)).status).toBe(404);
    const foreign = await json(extractive, agentB, 'POST', `/v1/answers/${id}/feedback`, { rating: 'down' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('ANSWER_NOT_FOUND');
    expect((await json(extractive, agentA, 'GET', '/v1/answers/not-a-uuid')).status).toBe(404);

    // An evaluator reads it, gives its own verdicts, and works the review queue.
    expect((await json(extractive, evaluator, 'GET', `/v1/answers/${id}`)).status).toBe(200);
    const ev = await json(extractive, evaluator, 'POST', `/v1/answers/${id}/feedback`, {
      rating: 'down',
      reasons: ['wrong_citation'],
      citations: [{ n, verdict: 'does_not_support' }],
    });
    expect(ev.status).toBe(201);

    const list = await json(extractive, evaluator, 'GET', `/admin/api/answers?sort=${encodeURIComponent('["created_at","DESC"]')}&range=[0,24]&filter=${encodeURIComponent(JSON.stringify({ rating: 'down', reviewed: false }))}`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-range')).toMatch(/^answers 0-\d+\/\d+$/);
    expect(list.body.map((a: any) => a.id)).toContain(id);
    expect(list.body.find((a: any) => a.id === id)).toMatchObject({ feedback_up: 1, feedback_down: 1, api_key_name: 'agent-a' });

    const one = await json(extractive, evaluator, 'GET', `/admin/api/answers/${id}`);
    expect(one.body.feedback).toHaveLength(2);
    expect(one.body.citations[0].passage.text).toContain('préavis');

    const reviewed = await json(extractive, evaluator, 'PUT', `/admin/api/answers/${id}`, { ...one.body, reviewed: true });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.reviewed_by).toBe(evaluatorKeyId);
    const after = await json(extractive, evaluator, 'GET', `/admin/api/answers?filter=${encodeURIComponent(JSON.stringify({ reviewed: false, rating: 'down' }))}`);
    expect(after.body.map((a: any) => a.id)).not.toContain(id);

    const feedback = await json(extractive, evaluator, 'GET', `/admin/api/feedback?filter=${encodeURIComponent(JSON.stringify({ answer_id: id }))}`);
    expect(feedback.body).toHaveLength(2);
    expect(feedback.headers.get('content-range')).toBe('feedback 0-1/2');
    expect((await json(extractive, agentA, 'GET', '/admin/api/answers')).status).toBe(403);
  });
});

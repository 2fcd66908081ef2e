/**
 * What `npm run demo` prints once the engine listens: what was loaded, where to open the console, and
 * the example questions as commands to paste. The README's quick start quotes the same commands
 * (`demoAskCommands`), which a test holds to.
 */
import type { DemoQuestions } from './demo-corpus.js';
import type { DemoLoadResult } from './load-demo.js';

/** The commands that ask the demo's questions: the answered ones, then the declined one with --debug. */
export function demoAskCommands(questions: DemoQuestions): { answered: string[]; declined: string } {
  return {
    answered: questions.answered.map((q) => `npx cite ask "${q.question}"`),
    declined: `npx cite ask "${questions.declined.question}" --debug`,
  };
}

export function demoLoadLine(collection: string, load: DemoLoadResult): string {
  if (load.outcome === 'reused') return `Demo collection "${collection}": ${load.documents} documents, already loaded (corpus unchanged).`;
  const s = load.summary!;
  const skipped = s.failed ? `, ${s.failed} not indexed (see the run in the console)` : '';
  const what = load.outcome === 'loaded' ? 'loaded' : 'refreshed (the bundled corpus changed)';
  return `Demo collection "${collection}": ${load.documents} documents ${what} in ${(s.ms / 1000).toFixed(1)} s${skipped}.`;
}

export function demoBanner(url: string, collection: string, load: DemoLoadResult, questions: DemoQuestions): string {
  const commands = demoAskCommands(questions);
  return [
    demoLoadLine(collection, load),
    '',
    `Cité is listening on ${url}`,
    `  Console:  ${url}/console (sign in with the admin API key)`,
    `  API docs: ${url}/docs`,
    '',
    'Ask the demo corpus (service-public.fr associations fiches, travail-emploi.gouv.fr fiches), in another terminal:',
    ...commands.answered.map((c) => `  ${c}`),
    'and a question it does not cover, which Cité declines, saying why:',
    `  ${commands.declined}`,
    '',
    'Stop with Ctrl+C; the next `npm run demo` reuses the loaded collection.',
    '',
  ].join('\n');
}

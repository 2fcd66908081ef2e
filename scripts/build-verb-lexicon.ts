/**
 * Regenerates packages/retrieval/src/answers/lexicon/verb-forms.fr.txt.gz from the Lefff packages
 * (devDependencies): `npx tsx scripts/build-verb-lexicon.ts`. A test checks the shipped file still
 * matches them.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { deriveVerbForms, VERB_FORMS_FILE } from '@cite/retrieval/answers/lexicon/verb-forms.js';

export function readLefff(): { conjugations: Parameters<typeof deriveVerbForms>[0]; nouns: string[] } {
  const require = createRequire(import.meta.url);
  const read = (spec: string) => JSON.parse(fs.readFileSync(require.resolve(spec), 'utf8'));
  return {
    conjugations: read('french-verbs-lefff/dist/conjugations.json'),
    nouns: Object.keys(read('french-words-gender-lefff/dist/words.json')),
  };
}

export function buildVerbLexicon(): Buffer {
  const { conjugations, nouns } = readLefff();
  return zlib.gzipSync(`${deriveVerbForms(conjugations, nouns).join('\n')}\n`, { level: 9 });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gz = buildVerbLexicon();
  fs.writeFileSync(VERB_FORMS_FILE, gz);
  console.log(`wrote ${VERB_FORMS_FILE.pathname} (${gz.length} bytes)`);
}

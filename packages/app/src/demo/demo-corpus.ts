/**
 * The demo corpus bundled with the repository (`demo/`): its files, the example questions `npm run demo`
 * prints (demo/questions.json, also quoted by the README's quick start), and the version that tells a
 * loaded demo collection from a stale one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CiteError } from '@cite/core/errors.js';

export const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../demo');

/** The corpus files, in the order they are indexed. */
export const DEMO_FILES = ['vosdroits-associations.zip', 'fiches-travail.jsonl.gz'];

// printed as shell commands (`npx cite ask "…"`): nothing a double-quoted word would expand
const question = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .refine((q) => !/["$`\\!]/.test(q), { message: 'a question may not hold " $ ` \\ or !' });

const questionsSchema = z.object({
  /** Collection the demo loads into (and the questions are asked of). */
  collection: z.string().trim().min(1).max(200),
  /** Questions the corpus answers, each with the URL of a document its answer must cite. */
  answered: z.array(z.object({ question, cites: z.string().url() })).min(1),
  /** A question off the corpus's topics: Cité must decline it. */
  declined: z.object({ question }),
});
export type DemoQuestions = z.infer<typeof questionsSchema>;

export function readDemoQuestions(dir = DEMO_DIR): DemoQuestions {
  const file = path.join(dir, 'questions.json');
  const parsed = questionsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new CiteError('DEMO_QUESTIONS_INVALID', `${file}: ${parsed.error.message}`);
  return parsed.data;
}

export function demoFilePaths(dir = DEMO_DIR): string[] {
  return DEMO_FILES.map((name) => path.join(dir, name));
}

/** What shapes the index besides the files: a change of any of them means loading again. */
export interface IndexShape {
  embedderId: string;
  chunkTokens: number;
  overlapTokens: number;
  chunkerVersion: number;
}

/**
 * Identity of a corpus as indexed: the files' names and bytes, and the index shape. Reading ~2 MB to
 * hash them costs milliseconds, far less than re-reading every document to find nothing changed.
 */
export function corpusVersion(files: string[], shape: IndexShape): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify(shape));
  for (const file of files) {
    h.update(`\0${path.basename(file)}\0`);
    h.update(fs.readFileSync(file));
  }
  return h.digest('hex');
}

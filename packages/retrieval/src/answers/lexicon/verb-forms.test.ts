import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readLefff } from '../../../../../scripts/build-verb-lexicon.js';
import { deriveVerbForms, isVerbForm, VERB_FORMS_FILE } from './verb-forms.js';

describe('verb forms', () => {
  it('ships the list derived from the installed Lefff packages (regenerate: npx tsx scripts/build-verb-lexicon.ts)', () => {
    const { conjugations, nouns } = readLefff();
    const derived = `${deriveVerbForms(conjugations, nouns).join('\n')}\n`;
    const shipped = zlib.gunzipSync(fs.readFileSync(VERB_FORMS_FILE)).toString('utf8');
    expect(shipped.length).toBe(derived.length);
    expect(shipped === derived).toBe(true); // not toEqual: a diff of 2 MB strings helps nobody
  });

  it('derives verb-only forms: tenses kept, nouns, participles and short forms left out, accents kept', () => {
    const conjugations = {
      payer: { P: ['paie', 'payes', 'paie', 'payons', 'payez', 'paient'], K: ['payé', 'payée', 'payés', 'payées'], G: ['payant'] },
      demander: { P: ['demande', 'demandes', null, 'NA'], F: ['demanderai'] },
      être: { P: ['suis', 'es'] },
    };
    expect(deriveVerbForms(conjugations, ['Demande', 'paie'])).toEqual(['demander', 'demanderai', 'demandes', 'paient', 'payer', 'payes', 'payez', 'payons', 'suis', 'être']);
  });

  it('answers from the shipped list', () => {
    expect(isVerbForm('écrire')).toBe(true);
    expect(isVerbForm('déménagent')).toBe(true);
    expect(isVerbForm('payes')).toBe(true);
    expect(isVerbForm('payés')).toBe(false);
    expect(isVerbForm('passeport')).toBe(false);
    expect(isVerbForm('demande')).toBe(false);
    expect(isVerbForm('salarié')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { questionWords, roleOf } from './question-terms.js';

const roles = (q: string) => Object.fromEntries(questionWords(q).map((w) => [w.text, w.role]));

describe('question words', () => {
  it('tells the topic from the action and the framing of a question', () => {
    expect(roles('Comment écrire une lettre de démission ?')).toEqual({ écrire: 'action', lettre: 'topic', démission: 'topic' });
    expect(roles('Quel est le délai pour obtenir un passeport ?')).toEqual({ délai: 'framing', obtenir: 'action', passeport: 'topic' });
    expect(roles('Quelle est la durée du congé de maternité ?')).toEqual({ durée: 'framing', congé: 'topic', maternité: 'topic' });
    expect(roles('Comment renouveler son titre de séjour ?')).toEqual({ renouveler: 'action', titre: 'topic', séjour: 'topic' });
    // The follow-up: "combien de temps" asks how long; "récépissé" is what it is about.
    expect(roles('Et combien de temps faut-il attendre le récépissé ?')).toEqual({ temps: 'framing', attendre: 'action', récépissé: 'topic' });
  });

  it('keeps accents apart: "payés" (participle) is a topic, "payes" (verb) an action', () => {
    expect(roles('Combien de jours de congés payés ?')).toMatchObject({ congés: 'topic', payés: 'topic' });
    expect(roles('Est-ce que tu payes la taxe foncière ?')).toEqual({ payes: 'action', taxe: 'topic', foncière: 'topic' });
    expect(roleOf('payes', 'payés')).toBe('topic');
    expect(roleOf('payes', 'payes')).toBe('action');
  });

  it('keeps nouns that are also verb forms as topics ("demande", "permis"), and numbers', () => {
    expect(roles('Demande de permis de construire en 2026')).toMatchObject({ demande: 'topic', permis: 'topic', '2026': 'topic' });
    expect(roles('Article L1237-1')).toMatchObject({ 'L1237-1': 'topic' });
  });

  it('drops stop words, words of asking and repeats; folds case and accents into `word`', () => {
    const words = questionWords("Bonjour, combien de temps dure le CONGÉ ? Le congé, pourquoi ? Merci");
    expect(words.map((w) => w.word)).toEqual(['temps', 'dure', 'conge']);
    expect(words.map((w) => w.role)).toEqual(['framing', 'topic', 'topic']); // "dure" is also an adjective
    expect(words.find((w) => w.word === 'conge')).toEqual({ word: 'conge', text: 'congé', role: 'topic' });
    expect(questionWords('Comment est-ce que je peux le faire ?')).toEqual([]);
    expect(questionWords('   ?! ')).toEqual([]);
  });

  it('keeps an article\'s reference whole, however it is written, and numbers with their hyphenated parts', () => {
    for (const q of ["Que dit l'article L. 1237-19 ?", "Que dit l'article L.1237-19 ?", "Que dit l'article L 1237-19 ?", "Que dit l'article L1237-19 ?"]) {
      expect(questionWords(q).map((w) => w.word), q).toEqual(['article', 'l1237-19']);
    }
    expect(questionWords('covid-19 en 2023-2024').map((w) => w.word)).toEqual(['covid-19', '2023-2024']);
  });

  it('drops every finite form of « être » and « avoir », whatever the tense', () => {
    expect(questionWords("J'étais en arrêt et j'avais signé : aurais-je dû être payée ?").map((w) => w.word)).toEqual(['arret', 'signe', 'payee']);
    expect(questionWords('Serait-il possible que mon contrat eût été rompu ?').map((w) => w.word)).toEqual(['possible', 'contrat', 'rompu']);
  });
});

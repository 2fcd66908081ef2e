import { describe, expect, it } from 'vitest';
import { encodeTextTerm, quoteBlocks, textDirective } from './text-fragment.js';

describe('encodeTextTerm', () => {
  it('percent-encodes the directive syntax (-, &, ,) besides what URLs need', () => {
    expect(encodeTextTerm('arrêt-maladie, congé & RTT')).toBe('arr%C3%AAt%2Dmaladie%2C%20cong%C3%A9%20%26%20RTT');
    expect(decodeURIComponent(encodeTextTerm('a-b,c&d #e'))).toBe('a-b,c&d #e');
    expect(encodeTextTerm('x-y')).not.toContain('-');
  });
});

describe('quoteBlocks', () => {
  it('cuts a quote where the page has separate blocks and drops Markdown syntax', () => {
    const quote = [
      'Le préavis dépend de l’ancienneté :',
      '- moins de 6 mois : **aucun** préavis',
      '1. voir [la convention](https://ex.fr/cc)',
      '| Ancienneté | Durée |',
      '| --- | --- |',
      '| 2 ans \\| plus | 2 mois |',
    ].join('\n');
    expect(quoteBlocks(quote)).toEqual([
      'Le préavis dépend de l’ancienneté :',
      'moins de 6 mois : aucun préavis',
      'voir la convention',
      'Ancienneté',
      'Durée',
      '2 ans | plus',
      '2 mois',
    ]);
  });

  it('never puts masked personal data in a term', () => {
    expect(quoteBlocks('Appelez le [téléphone masqué] du lundi au vendredi.')).toEqual(['Appelez le', 'du lundi au vendredi.']);
  });
});

describe('textDirective', () => {
  it('matches a short one-block quote whole, whitespace collapsed', () => {
    expect(textDirective('  La durée du préavis\n')).toBe('text=La%20dur%C3%A9e%20du%20pr%C3%A9avis');
  });

  it('uses textStart,textEnd for a long quote: first and last words, in order, not overlapping', () => {
    const words = Array.from({ length: 20 }, (_, i) => `mot${i}`);
    expect(textDirective(words.join(' '))).toBe(`text=${words.slice(0, 6).join('%20')},${words.slice(14).join('%20')}`);
    const thirteen = Array.from({ length: 13 }, (_, i) => `w${i}`);
    expect(textDirective(thirteen.join(' '))).toBe(`text=${thirteen.slice(0, 6).join('%20')},${thirteen.slice(7).join('%20')}`);
  });

  it('starts in the first block and ends in the last when the quote spans blocks', () => {
    const d = textDirective('Le salarié peut démissionner.\n\n- Il doit respecter un préavis fixé par la convention collective.')!;
    const [start, end] = d.slice('text='.length).split(',').map(decodeURIComponent);
    expect(start).toBe('Le salarié peut démissionner.');
    expect(end).toBe('préavis fixé par la convention collective.');
  });

  it('keeps commas and hyphens of the quote inside their term', () => {
    const d = textDirective('Soit, selon le cas, un arrêt-maladie.')!;
    expect(d).toBe('text=Soit%2C%20selon%20le%20cas%2C%20un%20arr%C3%AAt%2Dmaladie.');
    expect(d.split(',')).toHaveLength(1);
  });

  it('gives nothing for a quote without words', () => {
    expect(textDirective('| --- | --- |\n - \n')).toBeUndefined();
  });
});

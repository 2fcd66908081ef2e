import { describe, expect, it } from 'vitest';
import { citationLink, citationLocator, pageAt } from './citation-link.js';

const pdfChunk = { page: 1, page_start: 1, page_end: 3, page_breaks: [{ offset: 120, page: 2 }, { offset: 300, page: 3 }], start: 0, end: 400 };

describe('pageAt / citationLocator', () => {
  it('maps a quote offset to the page it lies on', () => {
    expect([0, 119, 120, 299, 300, 399].map((o) => pageAt(pdfChunk, o))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(pageAt({ page: 4 }, 50)).toBe(4); // chunks indexed before page ranges existed
    expect(pageAt({ anchor: 'x' }, 0)).toBeUndefined();
  });

  it('gives the citation the page of its quote and keeps the chunk span, without the breaks', () => {
    expect(citationLocator(pdfChunk, 310)).toEqual({ page: 3, page_start: 1, page_end: 3, start: 0, end: 400 });
    expect(citationLocator({ anchor: 'duree', start: 0, end: 9 }, 3)).toEqual({ anchor: 'duree', start: 0, end: 9 });
  });

  it('ignores page fields that are not positive integers', () => {
    expect(pageAt({ page: '3', page_breaks: [{ offset: 0, page: -1 }] }, 10)).toBeUndefined();
    expect(pageAt({ page: 2, page_breaks: 'x' }, 10)).toBe(2);
  });
});

describe('citationLink', () => {
  it('opens a PDF at the page of the quote', () => {
    expect(citationLink('https://ex.fr/arrete.pdf', { page: 3 }, 'Le permis de démolir')).toBe('https://ex.fr/arrete.pdf#page=3');
    expect(citationLink('/v1/documents/12/original', { page: 2 }, 'x')).toBe('/v1/documents/12/original#page=2');
  });

  it('opens a web page at the heading anchor and the quoted text', () => {
    expect(citationLink('https://ex.fr/conges', { anchor: 'duree' }, 'Deux jours et demi par mois')).toBe(
      'https://ex.fr/conges#duree:~:text=Deux%20jours%20et%20demi%20par%20mois',
    );
    expect(citationLink('https://ex.fr/conges', {}, 'Deux jours')).toBe('https://ex.fr/conges#:~:text=Deux%20jours');
    expect(citationLink('https://ex.fr/a', { anchor: 'été 2024' }, '')).toBe('https://ex.fr/a#%C3%A9t%C3%A9%202024');
  });

  it("keeps the URL's own fragment when no heading anchor is known, and replaces an old directive", () => {
    expect(citationLink('https://ex.fr/code#art-3:~:text=old', {}, 'nouveau')).toBe('https://ex.fr/code#art-3:~:text=nouveau');
  });

  it('adds nothing to downloads and non-web addresses', () => {
    expect(citationLink('/v1/documents/7/original', { paragraph: 4 }, 'Texte cité')).toBe('/v1/documents/7/original');
    expect(citationLink('https://cite.example/v1/documents/7/original', {}, 'Texte cité')).toBe('https://cite.example/v1/documents/7/original');
    expect(citationLink('mailto:x@ex.fr', {}, 'Texte')).toBe('mailto:x@ex.fr');
    expect(citationLink('https://ex.fr/note.docx', { paragraph: 12 }, 'Texte cité')).toBe('https://ex.fr/note.docx');
  });
});

import { describe, expect, it } from 'vitest';
import { extractMarkdown, extractText } from './text.js';

describe('extractMarkdown', () => {
  const md = `---
title: Guide du télétravail
lang: fr
---
Intro avant tout titre.

## Éligibilité

Les agents peuvent demander
le télétravail sur une ligne coupée.

- premier point
  qui continue
- second point
  1. sous-point

### Exceptions ###

| Cas | Règle |
| --- | --- |
| Stagiaire | Non |

\`\`\`
# pas un titre
\`\`\`

Procédure
---------

Texte de la procédure.
`;
  const doc = extractMarkdown({ text: md, url: 'file:///guide.md' });
  const section = (t: string) => doc.sections.find((s) => s.blocks.some((b) => b.text.includes(t)));

  it('turns headings into heading paths under the title', () => {
    expect(doc.title).toBe('Guide du télétravail');
    expect(doc.format).toBe('markdown');
    expect(section('Intro avant')?.headingPath).toEqual(['Guide du télétravail']);
    expect(section('Les agents')?.headingPath).toEqual(['Guide du télétravail', 'Éligibilité']);
    expect(section('Stagiaire')?.headingPath).toEqual(['Guide du télétravail', 'Éligibilité', 'Exceptions']);
    expect(section('Texte de la procédure')?.headingPath).toEqual(['Guide du télétravail', 'Procédure']);
  });

  it('keeps paragraphs, list items, tables and code blocks whole', () => {
    const blocks = doc.sections.flatMap((s) => s.blocks);
    expect(blocks.find((b) => b.text.startsWith('Les agents'))?.text).toBe('Les agents peuvent demander le télétravail sur une ligne coupée.');
    expect(blocks.filter((b) => b.kind === 'list-item').map((b) => b.text)).toEqual(['- premier point qui continue', '- second point', '  - sous-point']);
    expect(blocks.find((b) => b.kind === 'table')?.text).toBe('| Cas | Règle |\n| --- | --- |\n| Stagiaire | Non |');
    expect(blocks.find((b) => b.kind === 'code')?.text).toBe('# pas un titre');
  });

  it('uses the first H1 as title when there is no front matter', () => {
    const d = extractMarkdown({ text: '# Mon titre\n\nDu texte.\n\n## Partie\n\nSuite.', url: 'file:///x.md', fallbackTitle: 'x' });
    expect(d.title).toBe('Mon titre');
    expect(d.sections.map((s) => s.headingPath)).toEqual([['Mon titre'], ['Mon titre', 'Partie']]);
  });
});

describe('extractText', () => {
  it('splits paragraphs on blank lines under the title', () => {
    const d = extractText({ text: 'Premier paragraphe\nsur deux lignes.\n\n\nSecond paragraphe.', url: 'file:///a.txt', fallbackTitle: 'a' });
    expect(d.title).toBe('a');
    expect(d.sections).toEqual([
      { headingPath: ['a'], blocks: [{ text: 'Premier paragraphe sur deux lignes.', kind: 'paragraph' }, { text: 'Second paragraphe.', kind: 'paragraph' }] },
    ]);
  });

  it('an empty text gives no sections', () => {
    expect(extractText({ text: '  \n\n ', url: 'file:///e.txt' }).sections).toEqual([]);
  });
});

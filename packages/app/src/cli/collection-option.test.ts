import { describe, expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { withCollections } from './collection-option.js';

describe('--collection', () => {
  it('becomes the collections filter beside the other filters, names and ids as given', () => {
    expect(withCollections(undefined, ['travail', '3'])).toEqual({ collections: ['travail', '3'] });
    expect(withCollections({ audience: 'associations' }, ['travail'])).toEqual({ audience: 'associations', collections: ['travail'] });
    expect(withCollections({ audience: 'associations' }, undefined)).toEqual({ audience: 'associations' });
    expect(withCollections(undefined, [])).toBeUndefined();
  });

  it('refuses collections given both ways', () => {
    const e = (() => {
      try {
        withCollections({ collections: [1] }, ['travail']);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(CiteError);
    expect(e).toMatchObject({ code: 'INVALID_FILTERS', status: 400 });
  });
});

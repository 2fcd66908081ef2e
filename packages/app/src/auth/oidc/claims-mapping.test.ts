import { describe, expect, it } from 'vitest';
import {
  collectionNamesFromClaims,
  displayName,
  emailDomainAllowed,
  emailUnverified,
  roleFromClaims,
} from './claims-mapping.js';

describe('claims mapping', () => {
  it('lets in the e-mail domains the globs name, and no look-alike', () => {
    const globs = ['*.gouv.fr', 'ville-paris.fr'];
    expect(emailDomainAllowed('a@travail.gouv.fr', globs)).toBe(true);
    expect(emailDomainAllowed('a@dgfip.finances.gouv.fr', globs)).toBe(true);
    expect(emailDomainAllowed('a@VILLE-PARIS.FR', globs)).toBe(true);
    expect(emailDomainAllowed('a@gouv.fr', globs)).toBe(false);
    expect(emailDomainAllowed('a@faux-gouv.fr', globs)).toBe(false);
    expect(emailDomainAllowed('a@gouv.fr.example.com', globs)).toBe(false);
    expect(emailDomainAllowed('a@sub.ville-paris.fr', globs)).toBe(false);
    expect(emailDomainAllowed('', globs)).toBe(false);
    expect(emailDomainAllowed('anyone@example.com', [])).toBe(true);
  });

  it('reads an e-mail as unverified only when the provider says so (ProConnect sends no such claim)', () => {
    expect(emailUnverified({ email: 'a@x.gouv.fr', email_verified: false })).toBe(true);
    expect(emailUnverified({ email: 'a@x.gouv.fr', email_verified: 'false' })).toBe(true);
    expect(emailUnverified({ email: 'a@x.gouv.fr', email_verified: true })).toBe(false);
    expect(emailUnverified({ email: 'a@x.gouv.fr' })).toBe(false);
  });

  it("names people as ProConnect describes them (given_name, usual_name), else by name or e-mail", () => {
    expect(displayName({ given_name: 'Marie', usual_name: 'Dupont', family_name: 'Martin' })).toBe('Marie Dupont');
    expect(displayName({ given_name: 'Marie', family_name: 'Martin' })).toBe('Marie Martin');
    expect(displayName({ name: 'M. D.' })).toBe('M. D.');
    expect(displayName({ email: 'm@x.gouv.fr' })).toBe('m@x.gouv.fr');
  });

  it('takes the highest role the claim lists, else the default', () => {
    expect(roleFromClaims({ groups: ['agent', 'admin', 'autre'] }, 'groups', 'agent')).toBe('admin');
    expect(roleFromClaims({ role: 'Evaluator' }, 'role', 'agent')).toBe('evaluator');
    expect(roleFromClaims({ groups: ['inconnu'] }, 'groups', 'agent')).toBe('agent');
    expect(roleFromClaims({ groups: ['admin'] }, undefined, 'agent')).toBe('agent');
  });

  it('reads collection names from a list or a string claim; none without the claim', () => {
    expect(collectionNamesFromClaims({ c: ['rh', 'juridique'] }, 'c')).toEqual(['rh', 'juridique']);
    expect(collectionNamesFromClaims({ c: 'rh, juridique' }, 'c')).toEqual(['rh', 'juridique']);
    expect(collectionNamesFromClaims({}, 'c')).toBeUndefined();
    expect(collectionNamesFromClaims({ c: ['rh'] }, undefined)).toBeUndefined();
  });
});

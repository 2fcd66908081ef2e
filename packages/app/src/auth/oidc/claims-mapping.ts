/**
 * What the provider's claims say about a person: whether their e-mail domain may sign in, their display name,
 * and at a first sign-in their role and collections (OIDC_ROLE_CLAIM, OIDC_COLLECTIONS_CLAIM). Pure functions.
 */
import { ROLES, type Role } from '@cite/core/auth/roles.js';

export type Claims = Record<string, unknown>;

/** Comma or whitespace separated entries, lower case. */
export const listOf = (value: string): string[] =>
  value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Whether the e-mail's domain matches one of the host globs: `interieur.gouv.fr` only itself, `*.gouv.fr` any
 * host under gouv.fr at any depth (not gouv.fr itself). An empty list lets every domain in.
 */
export function emailDomainAllowed(email: string, globs: readonly string[]): boolean {
  if (!globs.length) return true;
  const at = email.lastIndexOf('@');
  const domain = at > 0 ? email.slice(at + 1).toLowerCase() : '';
  if (!domain) return false;
  return globs.some((g) => {
    const glob = g.toLowerCase();
    return glob.startsWith('*.') ? domain.endsWith(glob.slice(1)) && domain.length > glob.length - 1 : domain === glob;
  });
}

/**
 * Whether the provider vouches for the e-mail: only an explicit `email_verified: false` says no. ProConnect sends
 * no such claim (its addresses are the administrations' own); a provider open to self-registration sends false
 * for an address nobody proved, which must not pass OIDC_ALLOWED_EMAIL_DOMAINS.
 */
export function emailUnverified(claims: Claims): boolean {
  return claims.email_verified === false || claims.email_verified === 'false';
}

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** ProConnect gives `given_name` and `usual_name`; other providers `family_name` or `name`. */
export function displayName(claims: Claims): string {
  const given = text(claims.given_name);
  const family = text(claims.usual_name) || text(claims.family_name);
  return [given, family].filter(Boolean).join(' ') || text(claims.name) || text(claims.email);
}

/** A claim's values: a list, or one string (space or comma separated). */
function claimValues(claims: Claims, name: string): string[] {
  const v = claims[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((x) => x.trim());
  return typeof v === 'string' ? listOf(v) : [];
}

/** The highest role the claim lists, else the default. */
export function roleFromClaims(claims: Claims, claimName: string | undefined, fallback: Role): Role {
  if (!claimName) return fallback;
  const listed = new Set(claimValues(claims, claimName).map((v) => v.toLowerCase()));
  const found = [...ROLES].reverse().find((r) => listed.has(r));
  return found ?? fallback;
}

/** Collection names the claim lists; undefined when no claim is configured or the person has none (the default applies). */
export function collectionNamesFromClaims(claims: Claims, claimName: string | undefined): string[] | undefined {
  if (!claimName || !(claimName in claims)) return undefined;
  return claimValues(claims, claimName);
}

/** Roles are ordered: each role can do everything the roles below it can. */
export const ROLES = ['agent', 'evaluator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** What a route requires: a role, or 'public' for routes open to everyone (health, docs, console assets). */
export type Access = Role | 'public';

export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** The authenticated caller, as routes and services see it. */
export interface Caller {
  keyId: number;
  name: string;
  role: Role;
  /** Collection ids this key may read; null = all. */
  collections: number[] | null;
  /** May ask for internet search (`"web": true`); absent = no. */
  webSearch?: boolean;
}

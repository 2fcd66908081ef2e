/**
 * The signed-in API key. Kept in sessionStorage: it survives a refresh but not the closing of the
 * tab, which matters on shared agent workstations.
 */
export type Role = 'agent' | 'evaluator' | 'admin';

export interface Session {
  /** The API key; empty when signed in with the OpenID Connect provider (the session cookie authenticates). */
  key: string;
  name: string;
  role: Role;
  /** Signed in with the provider: the token every write carries in X-CSRF-Token. */
  csrf?: string;
}

const STORAGE_KEY = 'cite.session';

export function getSession(): Session | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.key === 'string' && typeof s.role === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function setSession(s: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

const ORDER: Role[] = ['agent', 'evaluator', 'admin'];
export function roleAtLeast(role: string | undefined, required: Role): boolean {
  return role !== undefined && ORDER.indexOf(role as Role) >= ORDER.indexOf(required);
}

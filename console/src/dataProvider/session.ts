/**
 * The signed-in API key. Kept in sessionStorage: it survives a refresh but not the closing of the
 * tab, which matters on shared agent workstations.
 */
export type Role = 'agent' | 'evaluator' | 'admin';

export interface Session {
  key: string;
  name: string;
  role: Role;
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

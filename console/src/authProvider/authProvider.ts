/**
 * Sign-in with an API key: the key is checked with GET /v1/me, which answers the key's name and
 * role; the role is react-admin's "permissions" and decides which screens exist. Hiding a screen is
 * only comfort: the API refuses the same actions on its own.
 */
import { HttpError, type AuthProvider } from 'react-admin';
import { clearSession, getSession, setSession, type Role } from '../dataProvider/session';

export const authProvider: AuthProvider = {
  async login({ apiKey }: { apiKey: string }) {
    const key = (apiKey ?? '').trim();
    if (!key) throw new Error('cite.login.required');
    let res: Response;
    try {
      res = await fetch('/v1/me', { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
    } catch {
      throw new Error('cite.login.unreachable');
    }
    if (res.status === 401 || res.status === 403) throw new Error('cite.login.invalid');
    if (!res.ok) throw new Error('cite.login.unreachable');
    const me = (await res.json()) as { name: string; role: Role };
    setSession({ key, name: me.name, role: me.role });
    // Agents only have the Ask screen.
    return { redirectTo: me.role === 'agent' ? '/ask' : '/' };
  },
  async logout() {
    clearSession();
    return '/login';
  },
  async checkAuth() {
    if (!getSession()) throw new Error('cite.login.required');
  },
  async checkError(error: unknown) {
    const status = (error as HttpError | undefined)?.status;
    // 401: the key was revoked or expired meanwhile → back to sign-in. 403 stays signed in: the
    // notification says what the role does not allow.
    if (status === 401) {
      clearSession();
      throw new Error('cite.login.invalid');
    }
  },
  async getPermissions() {
    return getSession()?.role;
  },
  async getIdentity() {
    const s = getSession();
    if (!s) throw new Error('cite.login.required');
    return { id: s.name, fullName: s.name, role: s.role };
  },
};

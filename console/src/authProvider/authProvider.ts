/**
 * Sign-in with an API key, or with the OpenID Connect provider (ProConnect) when the engine has one.
 * A key is checked with GET /v1/me, which answers the key's name and role. A provider sign-in ends on the
 * engine's callback, which sets an httpOnly session cookie: the console then reads the person and the CSRF
 * token of their writes from GET /auth/session. The role is react-admin's "permissions" and decides which
 * screens exist. Hiding a screen is only comfort: the API refuses the same actions on its own.
 */
import { HttpError, type AuthProvider } from 'react-admin';
import { clearSession, getSession, setSession, type Role } from '../dataProvider/session';

/** The session cookie's person, if the browser is signed in with the provider. */
async function sessionFromCookie(): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch('/auth/session', { headers: { Accept: 'application/json' } });
  } catch {
    return false;
  }
  if (!res.ok) return false;
  const s = (await res.json()) as { user: { name: string; role: Role } | null; csrf_token: string };
  if (!s.user) return false;
  setSession({ key: '', name: s.user.name, role: s.user.role, csrf: s.csrf_token });
  return true;
}

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
    const s = getSession();
    clearSession();
    if (s?.csrf) {
      // ends the session here, then at the provider (which sends the browser back to the console)
      const res = await fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': s.csrf, Accept: 'application/json' } }).catch(() => undefined);
      const body = res?.ok ? ((await res.json()) as { logout_url: string | null }) : undefined;
      if (body?.logout_url) {
        window.location.assign(body.logout_url);
        return false;
      }
    }
    return '/login';
  },
  async checkAuth() {
    if (getSession()) return;
    if (!(await sessionFromCookie())) throw new Error('cite.login.required');
  },
  async checkError(error: unknown) {
    const status = (error as HttpError | undefined)?.status;
    // 401: the key was revoked or expired meanwhile, or the session ended → back to sign-in. 403 stays
    // signed in: the notification says what the role does not allow.
    if (status === 401) {
      clearSession();
      throw new Error('cite.login.invalid');
    }
  },
  async getPermissions() {
    if (!getSession()) await sessionFromCookie();
    return getSession()?.role;
  },
  async getIdentity() {
    const s = getSession();
    if (!s) throw new Error('cite.login.required');
    return { id: s.name, fullName: s.name, role: s.role };
  },
};

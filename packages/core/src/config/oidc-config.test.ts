import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = { OIDC_CLIENT_ID: 'cite', PUBLIC_URL: 'https://cite.example.gouv.fr' };

describe('OpenID Connect configuration', () => {
  it('takes an https issuer, or http on a loopback address only', () => {
    expect(loadConfig({ ...base, OIDC_ISSUER: 'https://auth.agentconnect.gouv.fr/api/v2' }).OIDC_ISSUER).toBe('https://auth.agentconnect.gouv.fr/api/v2');
    expect(loadConfig({ ...base, OIDC_ISSUER: 'http://127.0.0.1:4000' }).OIDC_ISSUER).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ ...base, OIDC_ISSUER: 'http://[::1]:4000' }).OIDC_ISSUER).toBe('http://[::1]:4000');
    expect(() => loadConfig({ ...base, OIDC_ISSUER: 'http://auth.example.gouv.fr' })).toThrow(/OIDC_ISSUER: expected an https:\/\/ issuer/);
    expect(() => loadConfig({ ...base, OIDC_ISSUER: 'http://127.0.0.1.evil.example' })).toThrow(/OIDC_ISSUER/);
  });

  it('needs the client id and a callback address with the issuer, naming what is missing', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'https://auth.example.gouv.fr' })).toThrow(/OIDC_CLIENT_ID, OIDC_REDIRECT_URL \(or PUBLIC_URL\): required when OIDC_ISSUER is set/);
    expect(loadConfig({ OIDC_ISSUER: 'https://auth.example.gouv.fr', OIDC_CLIENT_ID: 'c', OIDC_REDIRECT_URL: 'https://cite.example.gouv.fr/auth/callback' }).OIDC_CLIENT_ID).toBe('c');
    expect(loadConfig({}).OIDC_ISSUER).toBeUndefined();
  });
});

/**
 * The OpenID Connect client (openid-client): the provider's metadata discovered from OIDC_ISSUER once per
 * process, on the first sign-in (an unreachable provider does not stop the engine, and is asked again next time).
 */
import * as oidc from 'openid-client';
import { service, type AppContext } from '@cite/core/http/app-context.js';
import { OIDC_CLOCK_TOLERANCE_SECONDS, type Config } from '@cite/core/config/config.js';
import { CiteError } from '@cite/core/errors.js';
import { currentOutboundPolicy } from '@cite/core/outbound/outbound-guard.js';

export const oidcEnabled = (config: Config): boolean => Boolean(config.OIDC_ISSUER && config.OIDC_CLIENT_ID);

/** Where the provider sends people back: OIDC_REDIRECT_URL, else PUBLIC_URL + /auth/callback (the config check requires one). */
export function redirectUrl(config: Config): string {
  return config.OIDC_REDIRECT_URL ?? new URL('/auth/callback', config.PUBLIC_URL).href;
}

/** Where the provider sends people after signing out there (register it as a post-logout redirect URI). */
export function postLogoutUrl(config: Config): string {
  return new URL('/console/', redirectUrl(config)).href;
}

export function oidcConfiguration(app: AppContext): Promise<oidc.Configuration> {
  const cfg = app.config;
  if (!oidcEnabled(cfg)) throw new CiteError('OIDC_NOT_CONFIGURED', 'Sign-in with OpenID Connect is not configured (OIDC_ISSUER, OIDC_CLIENT_ID)', { status: 404 });
  return service(app, 'oidc-client', async () => {
    const issuer = new URL(cfg.OIDC_ISSUER!);
    const metadata: Partial<oidc.ClientMetadata> = {
      // the bound on exp and nbf, set here so that it is the one finishSignIn bounds iat with
      [oidc.clockTolerance]: OIDC_CLOCK_TOLERANCE_SECONDS,
      ...(cfg.OIDC_CLIENT_SECRET ? { client_secret: cfg.OIDC_CLIENT_SECRET } : {}),
      ...(cfg.OIDC_USERINFO_SIGNED_RESPONSE_ALG ? { userinfo_signed_response_alg: cfg.OIDC_USERINFO_SIGNED_RESPONSE_ALG } : {}),
    };
    try {
      // openid-client checks no signature of a JWT it reads from the provider over TLS (the ID token, the
      // userinfo JWT) unless told to: ProConnect's signed userinfo is worth only its signature, so check it.
      // The configuration accepts http:// only on a loopback address (tests, local development).
      const config = await oidc.discovery(issuer, cfg.OIDC_CLIENT_ID!, metadata, cfg.OIDC_CLIENT_SECRET ? undefined : oidc.None(), {
        execute: [oidc.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])],
      });
      // a provider may serve its token, userinfo or keys from another host than its issuer's: the outbound
      // guard would refuse them, since only OIDC_ISSUER's host is configured
      const m = config.serverMetadata();
      const added = currentOutboundPolicy()?.allowSignInEndpoints([m.token_endpoint, m.userinfo_endpoint, m.jwks_uri, m.end_session_endpoint]);
      if (added?.length) app.log.info({ hosts: added }, "the OpenID Connect provider's endpoints on other hosts are allowed outbound");
      return config;
    } catch (e) {
      throw new CiteError('OIDC_PROVIDER_UNAVAILABLE', `The OpenID Connect provider ${issuer.href} could not be discovered: ${(e as Error).message}`, {
        status: 502,
        retryable: true,
        cause: e,
      });
    }
  });
}

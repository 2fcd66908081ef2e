-- People who sign in with OpenID Connect (ProConnect), their sessions and their sign-ins in progress (issue 23).
-- Each person acts through an API key of their own, created at first sign-in and never shown (no one holds its
-- secret): answers, feedback, rate limits, data export and erasure and the audit log already hang on a key id,
-- so a person is served by every route exactly as a key is. The person's role and collections are copied onto it.
CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  issuer         text NOT NULL,
  sub            text NOT NULL,
  email          text NOT NULL DEFAULT '',
  name           text NOT NULL DEFAULT '',
  role           text NOT NULL CHECK (role IN ('agent', 'evaluator', 'admin')),
  -- NULL = every collection; otherwise the only collection ids this person may read.
  collections    bigint[],
  api_key_id     bigint NOT NULL UNIQUE REFERENCES api_keys(id) ON DELETE CASCADE,
  -- set by an admin: sign-in refused and sessions ended
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz,
  UNIQUE (issuer, sub)
);

CREATE TABLE sessions (
  id           bigserial PRIMARY KEY,
  -- sha256 of the cookie's secret; the secret itself is only in the browser
  token_hash   text NOT NULL UNIQUE,
  user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- the token cookie-authenticated writes must carry in X-CSRF-Token
  csrf_token   text NOT NULL,
  -- the provider's ID token, sent back as id_token_hint when signing out at the provider
  id_token     text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  ip           text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- A sign-in between /auth/login and /auth/callback: what the callback must check (state, nonce) and prove (PKCE).
CREATE TABLE oidc_logins (
  -- sha256 of the secret of the browser's short-lived sign-in cookie, which binds the callback to that browser
  id            text PRIMARY KEY,
  state         text NOT NULL,
  nonce         text NOT NULL,
  code_verifier text NOT NULL,
  return_to     text NOT NULL DEFAULT '/console/',
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);

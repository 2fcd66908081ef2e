import KeyIcon from '@mui/icons-material/Key';
import LoginIcon from '@mui/icons-material/Login';
import { Alert, Box, Button, CardContent, CircularProgress, Divider, TextField, Typography } from '@mui/material';
import { useEffect, useState, type FormEvent } from 'react';
import { LocalesMenuButton, Login, useLogin, useNotify, useTranslate } from 'react-admin';

/** Sign-in with an API key (there are no passwords in Cité: keys carry the role). */
function ApiKeyForm() {
  const translate = useTranslate();
  const login = useLogin();
  const notify = useNotify();
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!apiKey.trim()) {
      setError(translate('cite.login.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login({ apiKey });
    } catch (err) {
      const message = translate((err as Error).message || 'cite.login.invalid', { _: (err as Error).message });
      setError(message);
      notify(message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={submit} noValidate aria-label={translate('cite.login.title')}>
      <CardContent sx={{ minWidth: 300, maxWidth: 380 }}>
        <Typography variant="h6" component="h1" align="center" gutterBottom>
          {translate('cite.login.title')}
        </Typography>
        <TextField
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          autoFocus
          fullWidth
          margin="normal"
          label={translate('cite.login.key')}
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
          error={!!error}
          helperText={error ?? translate('cite.login.key_help')}
          disabled={busy}
        />
        <Button
          type="submit"
          variant="contained"
          fullWidth
          disabled={busy}
          startIcon={busy ? <CircularProgress size={18} color="inherit" /> : <KeyIcon />}
          sx={{ mt: 2 }}
        >
          {translate('cite.login.submit')}
        </Button>
        <Box sx={{ mt: 2, display: 'flex', justifyContent: 'center' }}>
          <LocalesMenuButton />
        </Box>
      </CardContent>
    </Box>
  );
}

/** Why the provider's sign-in was refused, from the engine's callback (`?auth_error=CODE`). */
const AUTH_ERRORS = ['OIDC_EMAIL_DOMAIN_REFUSED', 'OIDC_EMAIL_NOT_VERIFIED', 'USER_DISABLED', 'OIDC_PROVIDER_REFUSED'];

/**
 * "S'identifier avec ProConnect" when the engine has an OpenID Connect provider (GET /auth/config): a plain
 * link to /auth/login, which redirects to the provider and comes back signed in to the Ask page.
 */
function ProviderSignIn() {
  const translate = useTranslate();
  const [provider, setProvider] = useState<string | null>(null);
  const error = new URLSearchParams(window.location.search).get('auth_error');
  useEffect(() => {
    fetch('/auth/config', { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? (r.json() as Promise<{ oidc: boolean; provider_name: string | null }>) : null))
      .then((c) => setProvider(c?.oidc ? c.provider_name : null))
      .catch(() => setProvider(null));
  }, []);
  if (!provider) return null;
  return (
    <CardContent sx={{ minWidth: 300, maxWidth: 380, pb: 0 }}>
      {error && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {translate(AUTH_ERRORS.includes(error) ? `cite.login.auth_errors.${error}` : 'cite.login.auth_errors.other')}
        </Alert>
      )}
      <Button variant="contained" fullWidth startIcon={<LoginIcon />} href={`/auth/login?return_to=${encodeURIComponent('/console/ask')}`}>
        {translate('cite.login.provider', { provider })}
      </Button>
      <Divider sx={{ mt: 3 }}>{translate('cite.login.or_key')}</Divider>
    </CardContent>
  );
}

export const LoginPage = () => (
  <Login sx={{ backgroundImage: 'none', backgroundColor: '#f5f5fe' }}>
    <ProviderSignIn />
    <ApiKeyForm />
  </Login>
);

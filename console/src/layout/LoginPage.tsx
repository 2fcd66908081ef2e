import KeyIcon from '@mui/icons-material/Key';
import { Box, Button, CardContent, CircularProgress, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
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

export const LoginPage = () => (
  <Login sx={{ backgroundImage: 'none', backgroundColor: '#f5f5fe' }}>
    <ApiKeyForm />
  </Login>
);

import { defaultTheme, type RaThemeOptions } from 'react-admin';

/** The French state's blue (DSFR "bleu France") on the default react-admin theme; system fonts only. */
export const theme: RaThemeOptions = {
  ...defaultTheme,
  palette: {
    primary: { main: '#000091' },
    secondary: { main: '#1f2a5c' },
    error: { main: '#ce0500' },
    success: { main: '#18753c' },
    warning: { main: '#b34000' },
  },
  typography: {
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  },
};

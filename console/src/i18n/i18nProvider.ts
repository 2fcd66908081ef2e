import polyglotI18nProvider from 'ra-i18n-polyglot';
import en from './en';
import fr from './fr';

/**
 * French by default, English available from the app bar (react-admin remembers the choice in its
 * store). A missing key falls back to the key itself rather than breaking the screen.
 */
export const i18nProvider = polyglotI18nProvider((locale) => (locale === 'en' ? en : fr), 'fr', [
  { locale: 'fr', name: 'Français' },
  { locale: 'en', name: 'English' },
]);

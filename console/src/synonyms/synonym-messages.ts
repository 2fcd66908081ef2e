/**
 * Labels of the Synonymes screens, French first, kept beside the screens; `useSynonymText()` picks the
 * language the console is shown in.
 */
import { useLocaleState } from 'react-admin';

const fr = {
  title: 'Synonymes',
  name: 'Nom',
  collection: 'Collection',
  collection_help: 'Nom de la collection ; vide = liste globale, appliquée à toutes les recherches',
  global: 'Toutes (globale)',
  rules: 'Règles',
  enabled: 'Active',
  updated_at: 'Modifiée le',
  content: 'Synonymes',
  content_help:
    'Une règle par ligne, syntaxe Solr/Elasticsearch : « cse, comité social et économique » (termes équivalents) ou « a, b => c » (a et b cherchés comme c). # commence un commentaire. Appliqué aux recherches dès l’enregistrement, sans réindexation.',
  import_file: 'Importer un fichier',
  imported: 'Fichier « %{name} » chargé : vérifiez puis enregistrez',
};

const en: typeof fr = {
  title: 'Synonyms',
  name: 'Name',
  collection: 'Collection',
  collection_help: 'Collection name; empty = global list, applied to every search',
  global: 'All (global)',
  rules: 'Rules',
  enabled: 'Enabled',
  updated_at: 'Updated',
  content: 'Synonyms',
  content_help:
    'One rule per line, Solr/Elasticsearch syntax: "cse, comité social et économique" (equivalent terms) or "a, b => c" (a and b searched as c). # starts a comment. Applied to searches once saved, without re-indexing.',
  import_file: 'Import a file',
  imported: 'File "%{name}" loaded: check it, then save',
};

export function useSynonymText() {
  const [locale] = useLocaleState();
  const messages = locale === 'en' ? en : fr;
  return (key: keyof typeof fr, args: Record<string, string> = {}) =>
    messages[key].replace(/%\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
}

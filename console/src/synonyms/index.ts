import TranslateIcon from '@mui/icons-material/Translate';
import { SynonymCreate, SynonymEdit } from './SynonymForms';
import { SynonymList } from './SynonymList';

export const synonyms = {
  list: SynonymList,
  create: SynonymCreate,
  edit: SynonymEdit,
  icon: TranslateIcon,
  options: { label: 'Synonymes' },
  recordRepresentation: 'name',
};

import LanguageIcon from '@mui/icons-material/Language';
import { SourceCreate } from './SourceCreate';
import { SourceEdit } from './SourceEdit';
import { SourceList } from './SourceList';
import { SourceShow } from './SourceShow';

export const sources = {
  list: SourceList,
  create: SourceCreate,
  edit: SourceEdit,
  show: SourceShow,
  icon: LanguageIcon,
  recordRepresentation: 'name',
};

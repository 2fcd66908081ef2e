import DescriptionIcon from '@mui/icons-material/Description';
import { DocumentList } from './DocumentList';
import { DocumentShow } from './DocumentShow';

export const documents = { list: DocumentList, show: DocumentShow, icon: DescriptionIcon, recordRepresentation: 'title' };

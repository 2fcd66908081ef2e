import FolderIcon from '@mui/icons-material/Folder';
import { CollectionCreate, CollectionEdit } from './CollectionForms';
import { CollectionList } from './CollectionList';

export const collections = { list: CollectionList, create: CollectionCreate, edit: CollectionEdit, icon: FolderIcon, recordRepresentation: 'name' };

import FactCheckIcon from '@mui/icons-material/FactCheck';
import { EvalItemCreate, EvalItemEdit } from './EvalItemForms';
import { EvalSetCreate, EvalSetEdit } from './EvalSetForms';
import { EvalSetList } from './EvalSetList';
import { EvalSetShow } from './EvalSetShow';

export const evalSets = {
  list: EvalSetList,
  show: EvalSetShow,
  create: EvalSetCreate,
  edit: EvalSetEdit,
  icon: FactCheckIcon,
  options: { label: 'Jeux d’évaluation' },
  recordRepresentation: (r: { name?: string }) => r.name ?? '',
};

/** Questions are edited from their set's page (no list of their own). */
export const evalItems = {
  create: EvalItemCreate,
  edit: EvalItemEdit,
  recordRepresentation: (r: { external_id?: string }) => r.external_id ?? '',
};

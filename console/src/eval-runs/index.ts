import AssessmentIcon from '@mui/icons-material/Assessment';
import { EvalRunList } from './EvalRunList';
import { EvalRunShow } from './EvalRunShow';

export const evalRuns = {
  list: EvalRunList,
  show: EvalRunShow,
  icon: AssessmentIcon,
  options: { label: 'Évaluations' },
  recordRepresentation: (r: { id?: unknown; name?: string }) => `#${r.id} ${r.name ?? ''}`,
};

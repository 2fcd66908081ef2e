import AssignmentTurnedInIcon from '@mui/icons-material/AssignmentTurnedIn';
import { AnswerList } from './AnswerList';
import { AnswerShow } from './AnswerShow';

export const answers = { list: AnswerList, show: AnswerShow, icon: AssignmentTurnedInIcon, recordRepresentation: 'question' };

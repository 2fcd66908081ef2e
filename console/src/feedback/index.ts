import ThumbsUpDownIcon from '@mui/icons-material/ThumbsUpDown';
import { FeedbackList } from './FeedbackList';

export const feedback = { list: FeedbackList, icon: ThumbsUpDownIcon };

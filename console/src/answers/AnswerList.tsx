import ThumbDownIcon from '@mui/icons-material/ThumbDown';
import ThumbUpIcon from '@mui/icons-material/ThumbUp';
import { Box, Chip, useMediaQuery, type Theme } from '@mui/material';
import {
  Datagrid,
  FunctionField,
  List,
  SimpleList,
  TextField,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { useAnswerFilters } from './answerFilters';
import { FrenchDateField } from '../common/FrenchDateField';

function Rating({ record }: { record: RaRecord }) {
  const translate = useTranslate();
  const up = Number(record.feedback_up ?? (record.rating === 'up' ? 1 : 0));
  const down = Number(record.feedback_down ?? (record.rating === 'down' ? 1 : 0));
  if (!up && !down) return <span>—</span>;
  return (
    <Box sx={{ display: 'flex', gap: 0.5 }}>
      {up > 0 && <Chip size="small" color="success" icon={<ThumbUpIcon />} label={up} aria-label={translate('cite.ask.helpful')} />}
      {down > 0 && <Chip size="small" color="error" icon={<ThumbDownIcon />} label={down} aria-label={translate('cite.ask.not_helpful')} />}
    </Box>
  );
}

/** The evaluator's queue; by default what has feedback and is not reviewed yet. */
export function AnswerList() {
  const translate = useTranslate();
  const narrow = useMediaQuery<Theme>((t) => t.breakpoints.down('md'));
  return (
    <List
      title={translate('cite.review.title')}
      filters={useAnswerFilters()}
      filterDefaultValues={{ reviewed: false }}
      sort={{ field: 'created_at', order: 'DESC' }}
    >
      {narrow ? (
        <SimpleList
          primaryText={(r) => r.question}
          secondaryText={(r) => (r.reviewed_at ? translate('cite.review.reviewed') : translate('cite.review.not_reviewed'))}
          linkType="show"
        />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <TextField source="question" sortable={false} />
          <FunctionField label="cite.review.rating" render={(r: RaRecord) => <Rating record={r} />} />
          <FunctionField
            source="abstained"
            sortable={false}
            render={(r: RaRecord) => (r.abstained ? translate('cite.common.yes') : translate('cite.common.no'))}
          />
          <FunctionField
            source="citations"
            sortable={false}
            render={(r: RaRecord) => (Array.isArray(r.citations) ? r.citations.length : 0)}
          />
          <FrenchDateField source="created_at" showTime />
          <FrenchDateField source="reviewed_at" showTime emptyText="—" sortable={false} />
        </Datagrid>
      )}
    </List>
  );
}

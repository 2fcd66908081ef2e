import {
  Datagrid,
  FunctionField,
  List,
  SelectInput,
  TextField,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { REASONS } from '../ask/answer-types';
import { FrenchDateField } from '../common/FrenchDateField';

export function FeedbackList() {
  const translate = useTranslate();
  return (
    <List
      sort={{ field: 'created_at', order: 'DESC' }}
      filters={[
        <SelectInput
          key="rating"
          source="rating"
          alwaysOn
          choices={[
            { id: 'up', name: translate('cite.ask.helpful') },
            { id: 'down', name: translate('cite.ask.not_helpful') },
          ]}
        />,
        <SelectInput key="reason" source="reason" label="cite.review.reason" choices={REASONS.map((r) => ({ id: r, name: translate(`cite.ask.reasons.${r}`) }))} />,
      ]}
    >
      <Datagrid bulkActionButtons={false} rowClick={(_id, _res, r) => `/answers/${encodeURIComponent(String(r.answer_id))}/show`}>
        <TextField source="question" label="resources.answers.fields.question" sortable={false} />
        <FunctionField
          source="rating"
          sortable={false}
          render={(r: RaRecord) => translate(r.rating === 'up' ? 'cite.ask.helpful' : 'cite.ask.not_helpful')}
        />
        <FunctionField
          source="reasons"
          sortable={false}
          render={(r: RaRecord) => (r.reasons ?? []).map((x: string) => translate(`cite.ask.reasons.${x}`, { _: x })).join(', ')}
        />
        <TextField source="comment" sortable={false} emptyText="—" />
        <TextField source="api_key_name" sortable={false} emptyText="—" />
        <FrenchDateField source="created_at" showTime />
      </Datagrid>
    </List>
  );
}

import { Box, Typography } from '@mui/material';
import { Datagrid, List, NumberField, TextField, TextInput, useRecordContext, useTranslate } from 'react-admin';
import { JsonBlock } from '../common/JsonBlock';
import { FrenchDateField } from '../common/FrenchDateField';

function BeforeAfter() {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
      <Box>
        <Typography variant="subtitle2">{translate('resources.audit-log.fields.before')}</Typography>
        <JsonBlock value={record.before ?? null} />
      </Box>
      <Box>
        <Typography variant="subtitle2">{translate('resources.audit-log.fields.after')}</Typography>
        <JsonBlock value={record.after ?? null} />
      </Box>
    </Box>
  );
}

export const AuditLogList = () => (
  <List sort={{ field: 'at', order: 'DESC' }} filters={[<TextInput key="action" source="action" alwaysOn />]}>
    <Datagrid bulkActionButtons={false} rowClick="expand" expand={<BeforeAfter />}>
      <FrenchDateField source="at" showTime />
      <TextField source="actor_name" sortable={false} emptyText="—" />
      <TextField source="action" sortable={false} />
      <TextField source="target_type" sortable={false} emptyText="—" />
      <TextField source="target_id" sortable={false} emptyText="—" />
      <TextField source="ip" sortable={false} emptyText="—" />
      {/* refused requests of one address, reason and hour share a line */}
      <NumberField source="count" sortable={false} />
    </Datagrid>
  </List>
);

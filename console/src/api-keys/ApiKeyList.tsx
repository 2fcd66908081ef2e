import BlockIcon from '@mui/icons-material/Block';
import {
  Confirm,
  Button,
  CreateButton,
  Datagrid,
  DateField,
  List,
  SelectField,
  TextField,
  TopToolbar,
  useDelete,
  useNotify,
  useRecordContext,
  useTranslate,
  FunctionField,
  type RaRecord,
} from 'react-admin';
import { useState } from 'react';
import { ApiKeyDataButtons } from './ApiKeyDataButtons';
import { ROLE_CHOICES } from './roles';

/** Revoking is a DELETE on the API (the row stays, marked revoked, for the audit trail). */
function RevokeButton() {
  const record = useRecordContext();
  const translate = useTranslate();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [remove, { isPending }] = useDelete();
  if (!record || record.revoked_at) return null;
  return (
    <>
      <Button label="cite.keys.revoke" color="error" onClick={(e) => { e.stopPropagation(); setOpen(true); }} disabled={isPending}>
        <BlockIcon />
      </Button>
      <Confirm
        isOpen={open}
        title={translate('cite.keys.revoke_title', { name: record.name })}
        content="cite.keys.revoke_content"
        onClose={() => setOpen(false)}
        onConfirm={() =>
          remove(
            'api-keys',
            { id: record.id, previousData: record },
            {
              mutationMode: 'pessimistic',
              onSuccess: () => {
                setOpen(false);
                notify('cite.keys.revoked', { type: 'info' });
              },
              onError: (e) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: (e as Error).message } }),
            },
          )
        }
      />
    </>
  );
}

export function ApiKeyList() {
  const translate = useTranslate();
  return (
    <List
      sort={{ field: 'id', order: 'DESC' }}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="name" />
        <SelectField source="role" choices={ROLE_CHOICES} />
        <FunctionField source="prefix" sortable={false} render={(r: RaRecord) => <code>{String(r.prefix)}…</code>} />
        <FunctionField
          source="collections"
          sortable={false}
          render={(r: RaRecord) => (Array.isArray(r.collections) ? r.collections.join(', ') : translate('cite.common.all'))}
        />
        <DateField source="created_at" showTime />
        <DateField source="last_used_at" showTime emptyText={translate('cite.common.never')} />
        <DateField source="expires_at" showTime emptyText="—" sortable={false} />
        <DateField source="revoked_at" showTime emptyText="—" sortable={false} />
        <RevokeButton />
        <ApiKeyDataButtons />
      </Datagrid>
    </List>
  );
}

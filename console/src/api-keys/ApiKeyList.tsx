import BlockIcon from '@mui/icons-material/Block';
import { Box } from '@mui/material';
import {
  BooleanField,
  Confirm,
  Button,
  CreateButton,
  Datagrid,
  List,
  SelectField,
  TextField,
  TopToolbar,
  useDelete,
  useNotify,
  useRecordContext,
  useTranslate,
  useLocale,
  SimpleShowLayout,
  FunctionField,
  type RaRecord,
} from 'react-admin';
import { useState } from 'react';
import { ApiKeyDataButtons } from './ApiKeyDataButtons';
import { ROLE_CHOICES } from './roles';
import { formatDate } from '../common/format';
import { FrenchDateField } from '../common/FrenchDateField';

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

/** Revoked, expired, expiring or active: what the expiry and revocation columns said, in one. */
function KeyState() {
  const record = useRecordContext();
  const translate = useTranslate();
  const locale = useLocale();
  if (!record) return null;
  if (record.revoked_at) return <>{translate('cite.keys.revoked_on', { date: formatDate(record.revoked_at, locale) })}</>;
  if (record.expires_at) {
    const past = new Date(String(record.expires_at)).getTime() <= Date.now();
    return <>{translate(past ? 'cite.keys.expired_on' : 'cite.keys.expires_on', { date: formatDate(record.expires_at, locale) })}</>;
  }
  return <>{translate('cite.keys.active')}</>;
}

/** Every field of a key, full length, under its row (the table itself keeps to what fits 1366 px). */
function KeyDetails() {
  const translate = useTranslate();
  return (
    <Box aria-label={translate('cite.keys.details')}>
      <SimpleShowLayout>
        <TextField source="id" />
        <TextField source="name" />
        <SelectField source="role" choices={ROLE_CHOICES} />
        <FunctionField source="prefix" render={(r: RaRecord) => <code>{String(r.prefix)}…</code>} />
        <FunctionField
          source="collections"
          render={(r: RaRecord) => (Array.isArray(r.collections) ? r.collections.join(', ') : translate('cite.common.all'))}
        />
        <BooleanField source="web_search" />
        <FrenchDateField source="created_at" showTime />
        <FrenchDateField source="last_used_at" showTime emptyText={translate('cite.common.never')} />
        <FrenchDateField source="expires_at" showTime emptyText="—" />
        <FrenchDateField source="revoked_at" showTime emptyText="—" />
      </SimpleShowLayout>
    </Box>
  );
}

/**
 * Fits a 1366 px window beside the menu: the key's start sits under its name, expiry and revocation make
 * one "state" column, the actions stack, long cells wrap; the expand arrow shows every field in full.
 */
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
      <Datagrid
        bulkActionButtons={false}
        rowClick={false}
        expand={<KeyDetails />}
        sx={{ '& .RaDatagrid-rowCell, & .RaDatagrid-headerCell': { px: 1, whiteSpace: 'normal' }, '& .MuiButton-root': { whiteSpace: 'nowrap' } }}
      >
        <FunctionField
          source="name"
          render={(r: RaRecord) => (
            <Box component="span" sx={{ overflowWrap: 'anywhere' }}>
              {String(r.name)}
              <Box component="code" sx={{ display: 'block', fontSize: '0.8em', color: 'text.secondary' }}>
                {String(r.prefix)}…
              </Box>
            </Box>
          )}
        />
        <SelectField source="role" choices={ROLE_CHOICES} />
        <FunctionField
          source="collections"
          sortable={false}
          render={(r: RaRecord) => (Array.isArray(r.collections) ? r.collections.join(', ') : translate('cite.common.all'))}
        />
        {/* whether the key may send questions out to the internet search provider (issue 22) */}
        <BooleanField source="web_search" label="cite.keys.web_search" sortable={false} />
        <FrenchDateField source="created_at" showTime />
        <FrenchDateField source="last_used_at" showTime emptyText={translate('cite.common.never')} />
        <FunctionField label="cite.keys.state" render={() => <KeyState />} />
        <FunctionField
          label="cite.keys.actions"
          render={() => (
            <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start' }}>
              <RevokeButton />
              <ApiKeyDataButtons />
            </Box>
          )}
        />
      </Datagrid>
    </List>
  );
}

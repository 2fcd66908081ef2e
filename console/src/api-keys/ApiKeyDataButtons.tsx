/**
 * Data control for the person behind a key: download everything they left (questions, answers,
 * feedback) as JSON, or erase it after confirmation. Both are audited by the engine.
 */
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import DownloadIcon from '@mui/icons-material/Download';
import { useState } from 'react';
import { Button, Confirm, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { ADMIN_API } from '../dataProvider/dataProvider';
import { callJson } from '../dataProvider/http-client';

interface ErasureCounts {
  answers: number;
  feedback: number;
  eval_items: number;
  audit_entries_scrubbed: number;
}

function download(name: string, data: unknown): void {
  const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function ApiKeyExportButton() {
  const record = useRecordContext();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (!record) return null;
  const onClick = async (e: React.MouseEvent) => {
    e.stopPropagation();
    setBusy(true);
    try {
      const data = await callJson(`${ADMIN_API}/api-keys/${record.id}/export`);
      download(`cite-api-key-${record.id}-export.json`, data);
    } catch (err) {
      notify('cite.errors.generic', { type: 'error', messageArgs: { message: (err as Error).message } });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button label="cite.keys.export_data" onClick={onClick} disabled={busy}>
      <DownloadIcon />
    </Button>
  );
}

export function ApiKeyEraseButton() {
  const record = useRecordContext();
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!record) return null;
  const erase = async () => {
    setBusy(true);
    try {
      const { erased } = await callJson<{ erased: ErasureCounts }>(`${ADMIN_API}/api-keys/${record.id}/erase`, {
        method: 'POST',
        json: { confirm: true },
      });
      setOpen(false);
      notify('cite.keys.erased', {
        type: 'info',
        messageArgs: { ...erased },
      });
      refresh();
    } catch (err) {
      notify('cite.errors.generic', { type: 'error', messageArgs: { message: (err as Error).message } });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button label="cite.keys.erase_data" color="error" onClick={(e) => { e.stopPropagation(); setOpen(true); }} disabled={busy}>
        <DeleteForeverIcon />
      </Button>
      <Confirm
        isOpen={open}
        loading={busy}
        title={translate('cite.keys.erase_title', { name: record.name })}
        content="cite.keys.erase_content"
        onClose={() => setOpen(false)}
        onConfirm={erase}
      />
    </>
  );
}

/** Both buttons, for a row of the keys list. */
export function ApiKeyDataButtons() {
  return (
    <>
      <ApiKeyExportButton />
      <ApiKeyEraseButton />
    </>
  );
}

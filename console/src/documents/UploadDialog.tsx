import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Box,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  List,
  ListItem,
  ListItemText,
  Button as MuiButton,
  TextField,
  Typography,
} from '@mui/material';
import { useRef, useState } from 'react';
import { Button, useDataProvider, useNotify, useRefresh, useTranslate } from 'react-admin';
import type { CiteDataProvider } from '../dataProvider/dataProvider';

const ACCEPT = '.pdf,.docx,.html,.htm,.txt,.md,.jsonl,.ndjson,.zip,.xml,application/pdf,text/html,text/plain';

/** Files go up in one multipart request; the bar follows the bytes sent, indexing then runs as a job. */
export function UploadButton() {
  const translate = useTranslate();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const [collection, setCollection] = useState('default');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    if (progress !== null && progress < 1) return;
    setOpen(false);
    setFiles([]);
    setProgress(null);
    setError(null);
  };

  const send = async () => {
    if (!files.length) {
      setError(translate('cite.documents.no_files'));
      return;
    }
    setError(null);
    setProgress(0);
    try {
      await dataProvider.upload(files, { collection }, setProgress);
      notify('cite.documents.uploaded', { type: 'success', messageArgs: { n: files.length } });
      setProgress(null);
      setOpen(false);
      setFiles([]);
      refresh();
    } catch (e) {
      setProgress(null);
      setError(translate('cite.documents.upload_failed', { message: (e as Error).message }));
    }
  };

  return (
    <>
      <Button label="cite.documents.upload" onClick={() => setOpen(true)}>
        <UploadFileIcon />
      </Button>
      <Dialog open={open} onClose={close} fullWidth maxWidth="sm" aria-labelledby="upload-title">
        <DialogTitle id="upload-title">{translate('cite.documents.upload')}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" gutterBottom>
            {translate('cite.documents.upload_help')}
          </Typography>
          <TextField
            label={translate('cite.documents.collection_for_upload')}
            value={collection}
            onChange={(e) => setCollection(e.target.value)}
            margin="normal"
            fullWidth
          />
          <input
            ref={input}
            id="upload-files"
            type="file"
            multiple
            accept={ACCEPT}
            hidden
            onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
          />
          <MuiButton variant="outlined" onClick={() => input.current?.click()} startIcon={<UploadFileIcon />}>
            {translate('cite.documents.choose_files')}
          </MuiButton>
          <List dense>
            {files.map((f) => (
              <ListItem key={f.name}>
                <ListItemText primary={f.name} secondary={`${Math.ceil(f.size / 1024)} Ko`} />
              </ListItem>
            ))}
          </List>
          {progress !== null && (
            <Box sx={{ mt: 1 }}>
              <LinearProgress variant="determinate" value={Math.round(progress * 100)} aria-label="upload" />
              <Typography variant="caption">{translate('cite.documents.uploading', { percent: Math.round(progress * 100) })}</Typography>
            </Box>
          )}
          {error && (
            <Alert severity="error" sx={{ mt: 1 }}>
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={close}>{translate('ra.action.cancel')}</MuiButton>
          <MuiButton variant="contained" onClick={send} disabled={progress !== null}>
            {translate('cite.documents.upload_start')}
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}

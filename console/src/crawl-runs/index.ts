import SyncIcon from '@mui/icons-material/Sync';
import { CrawlRunList } from './CrawlRunList';
import { CrawlRunShow } from './CrawlRunShow';

export const crawlRuns = { list: CrawlRunList, show: CrawlRunShow, icon: SyncIcon, recordRepresentation: (r: { id: unknown }) => `#${r.id}` };

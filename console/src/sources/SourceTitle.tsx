import { useRecordContext, useTranslate } from 'react-admin';
import { sourceName } from '../common/format';

export function SourceTitle() {
  const record = useRecordContext();
  const translate = useTranslate();
  return <span>{`${translate('resources.sources.name', { smart_count: 1 })} « ${record ? sourceName(record.name, translate) : ''} »`}</span>;
}

import { useRecordContext, useTranslate } from 'react-admin';

export function SourceTitle() {
  const record = useRecordContext();
  const translate = useTranslate();
  return <span>{`${translate('resources.sources.name', { smart_count: 1 })} « ${record?.name ?? ''} »`}</span>;
}

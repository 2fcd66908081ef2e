import { Create } from 'react-admin';
import { SourceForm, toSourcePayload } from './SourceForm';

export const SourceCreate = () => (
  <Create transform={toSourcePayload} redirect="show">
    <SourceForm
      isCreate
      defaultValues={{ kind: 'website', collection: 'default', max_depth: 10, max_pages: 10000, rate_per_host: 2, render: 'auto', enabled: true, mask_personal_data: false, schedule: null }}
    />
  </Create>
);

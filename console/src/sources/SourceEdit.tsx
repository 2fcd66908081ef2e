import { Edit } from 'react-admin';
import { SourceForm, toSourcePayload } from './SourceForm';
import { SourceTitle } from './SourceTitle';

export const SourceEdit = () => (
  <Edit transform={toSourcePayload} mutationMode="pessimistic" redirect="show" title={<SourceTitle />}>
    <SourceForm />
  </Edit>
);

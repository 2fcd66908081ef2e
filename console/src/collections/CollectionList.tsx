import { CreateButton, Datagrid, DateField, List, TextField, TopToolbar } from 'react-admin';

export const CollectionList = () => (
  <List
    sort={{ field: 'id', order: 'ASC' }}
    actions={
      <TopToolbar>
        <CreateButton />
      </TopToolbar>
    }
  >
    <Datagrid bulkActionButtons={false} rowClick="edit">
      <TextField source="id" />
      <TextField source="name" />
      <TextField source="description" sortable={false} />
      <DateField source="created_at" showTime sortable={false} />
    </Datagrid>
  </List>
);

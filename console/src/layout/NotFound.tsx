import { Card, CardContent, Typography } from '@mui/material';
import { Link } from 'react-router-dom';
import { Title, usePermissions, useTranslate } from 'react-admin';

/** Also what an agent sees when typing an admin screen's URL: those screens do not exist for it. */
export function NotFound() {
  const translate = useTranslate();
  const { permissions } = usePermissions<string>();
  return (
    <Card sx={{ mt: 2 }} role="alert" data-testid="not-found">
      <Title title={translate('ra.page.not_found')} />
      <CardContent>
        <Typography variant="h5" component="h1" gutterBottom>
          {translate('ra.page.not_found')}
        </Typography>
        <Typography gutterBottom>{translate('cite.errors.not_found')}</Typography>
        <Link to={permissions === 'agent' ? '/ask' : '/'}>
          {translate(permissions === 'agent' ? 'cite.menu.ask' : 'cite.menu.dashboard')}
        </Link>
      </CardContent>
    </Card>
  );
}

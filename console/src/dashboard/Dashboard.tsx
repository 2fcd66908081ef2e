import { Alert, Box, Button, Card, CardContent, CardHeader, Grid, LinearProgress, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Navigate, Link as RouterLink } from 'react-router-dom';
import { Title, useDataProvider, useLocaleState, usePermissions, useTranslate } from 'react-admin';
import type { DashboardStats } from '@cite/app/admin/stats-sql.js';
import { StatusBadge } from '../common/StatusChip';
import { formatDate } from '../common/format';
import type { CiteDataProvider } from '../dataProvider/dataProvider';
import { roleAtLeast } from '../dataProvider/session';
import { ActivityChart } from './ActivityChart';
import { CollectionsTable } from './CollectionsTable';
import { RecentRuns } from './RecentRuns';

function Figure({ label, value, testId }: { label: string; value: number | string; testId: string }) {
  return (
    <Card sx={{ height: '100%' }}>
      <CardContent>
        <Typography variant="overline" component="h2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" component="p" data-testid={testId}>
          {value}
        </Typography>
      </CardContent>
    </Card>
  );
}

function DashboardBody({ stats }: { stats: DashboardStats }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const { permissions } = usePermissions<string>();
  const admin = roleAtLeast(permissions, 'admin');
  const n = (v: number) => v.toLocaleString(locale === 'en' ? 'en-GB' : 'fr-FR');
  return (
    <Grid container spacing={2} sx={{ mt: 1, '& > .MuiGrid-root': { minWidth: 0 }, '& .MuiCard-root': { minWidth: 0, overflow: 'hidden' } }}>
      <Grid size={{ xs: 6, md: 3 }}>
        <Figure label={translate('cite.dashboard.documents')} value={n(stats.totals.documents)} testId="total-documents" />
      </Grid>
      <Grid size={{ xs: 6, md: 3 }}>
        <Figure label={translate('cite.dashboard.chunks')} value={n(stats.totals.chunks)} testId="total-chunks" />
      </Grid>
      <Grid size={{ xs: 6, md: 3 }}>
        <Figure label={translate('cite.dashboard.sources')} value={n(stats.totals.sources)} testId="total-sources" />
      </Grid>
      <Grid size={{ xs: 6, md: 3 }}>
        <Figure label={translate('cite.dashboard.review')} value={n(stats.review.open)} testId="review-open" />
      </Grid>

      <Grid size={{ xs: 12, md: 8 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={translate('cite.dashboard.activity')} slotProps={{ title: { component: 'h2', variant: 'h6' } }} />
          <CardContent>
            <ActivityChart activity={stats.activity} />
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 4 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={translate('cite.dashboard.review')} slotProps={{ title: { component: 'h2', variant: 'h6' } }} />
          <CardContent>
            <Typography gutterBottom>{translate('cite.dashboard.review_open', { n: stats.review.open })}</Typography>
            {stats.review.open_negative > 0 && (
              <Typography color="error" gutterBottom>
                {translate('cite.dashboard.review_negative', { n: stats.review.open_negative })}
              </Typography>
            )}
            <Button component={RouterLink} to="/answers" variant="outlined" sx={{ mt: 1 }}>
              {translate('cite.dashboard.open_queue')}
            </Button>
          </CardContent>
        </Card>
      </Grid>

      <Grid size={{ xs: 12, md: 6 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={translate('cite.dashboard.per_collection')} slotProps={{ title: { component: 'h2', variant: 'h6' } }} />
          <CollectionsTable collections={stats.collections} />
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <Card sx={{ height: '100%' }}>
          <CardHeader title={translate('cite.dashboard.sources_by_status')} slotProps={{ title: { component: 'h2', variant: 'h6' } }} />
          <CardContent>
            <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1 }} data-testid="sources-by-status">
              {stats.sources_by_status.map((s) => (
                <Box key={s.status} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
                  <StatusBadge status={s.status} />
                  <Typography component="span">{s.count}</Typography>
                </Box>
              ))}
              {stats.sources_disabled > 0 && (
                <Typography color="text.secondary">{translate('cite.dashboard.disabled', { n: stats.sources_disabled })}</Typography>
              )}
            </Box>
            <Typography variant="subtitle2" component="h3" sx={{ mt: 2 }}>
              {translate('cite.dashboard.freshness')}
            </Typography>
            {stats.freshness.oldest ? (
              <>
                <Typography variant="body2">
                  {translate('cite.dashboard.oldest')} :{' '}
                  {admin ? (
                    <RouterLink to={`/documents/${stats.freshness.oldest.id}/show`}>{stats.freshness.oldest.title || stats.freshness.oldest.url}</RouterLink>
                  ) : (
                    stats.freshness.oldest.title || stats.freshness.oldest.url
                  )}{' '}
                  ({formatDate(stats.freshness.oldest.fetched_at, locale)})
                </Typography>
                <Typography variant="body2">
                  {translate('cite.dashboard.newest')} : {formatDate(stats.freshness.newest_fetched_at, locale)}
                </Typography>
                {stats.freshness.stale_documents > 0 && (
                  <Typography variant="body2" color="warning.main">
                    {translate('cite.dashboard.stale', { n: stats.freshness.stale_documents, days: stats.freshness.stale_days })}
                  </Typography>
                )}
              </>
            ) : (
              <Typography variant="body2">{translate('cite.dashboard.no_documents')}</Typography>
            )}
          </CardContent>
        </Card>
      </Grid>
      <Grid size={12}>
        <Card>
          <CardHeader title={translate('cite.dashboard.recent_runs')} slotProps={{ title: { component: 'h2', variant: 'h6' } }} />
          <RecentRuns runs={stats.recent_runs} linkable={admin} />
        </Card>
      </Grid>
    </Grid>
  );
}

export function Dashboard() {
  const translate = useTranslate();
  const { permissions, isPending } = usePermissions<string>();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const allowed = roleAtLeast(permissions, 'evaluator');
  const { data, error, isPending: loading } = useQuery({
    queryKey: ['cite', 'stats'],
    queryFn: () => dataProvider.stats(),
    enabled: allowed,
    refetchInterval: 30_000,
  });
  if (isPending) return null;
  if (!allowed) return <Navigate to="/ask" replace />;
  return (
    // inline-size containment: wide tables scroll inside their cards instead of widening the page on phones.
    <Box sx={{ pb: 2, minWidth: 0, contain: 'inline-size' }}>
      <Title title={translate('cite.dashboard.title')} />
      {loading && <LinearProgress aria-label={translate('cite.common.loading')} />}
      {error && <Alert severity="error">{translate('cite.errors.generic', { message: (error as Error).message })}</Alert>}
      {data && <DashboardBody stats={data} />}
    </Box>
  );
}

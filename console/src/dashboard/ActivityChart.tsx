import { Box } from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTranslate } from 'react-admin';
import type { ActivityDay } from '@cite/app/admin/stats-sql.js';

/** Answers and feedback per day over the window; a table would hide the trend, a chart shows it. */
export function ActivityChart({ activity }: { activity: ActivityDay[] }) {
  const translate = useTranslate();
  const data = activity.map((d) => ({ ...d, label: d.day.slice(5) }));
  return (
    <Box sx={{ width: '100%', height: 260 }} data-testid="activity-chart" role="img" aria-label={translate('cite.dashboard.activity')}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={11} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} fontSize={11} />
          <Tooltip />
          <Legend />
          <Bar dataKey="answers" name={translate('cite.dashboard.answers')} fill="#000091" isAnimationActive={false} />
          <Bar dataKey="feedback_up" name={translate('cite.dashboard.feedback_up')} stackId="fb" fill="#18753c" isAnimationActive={false} />
          <Bar dataKey="feedback_down" name={translate('cite.dashboard.feedback_down')} stackId="fb" fill="#ce0500" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}

import { BooleanInput, DateInput, SearchInput, SelectInput, useTranslate } from 'react-admin';
import { REASONS } from '../ask/answer-types';

/** Filters of the review queue: rating, reason, date window, reviewed or not. */
export function useAnswerFilters() {
  const translate = useTranslate();
  return [
    <SearchInput key="q" source="q" alwaysOn />,
    <SelectInput
      key="rating"
      source="rating"
      label="cite.review.rating"
      choices={[
        { id: 'up', name: translate('cite.ask.helpful') },
        { id: 'down', name: translate('cite.ask.not_helpful') },
      ]}
      alwaysOn
    />,
    <BooleanInput key="reviewed" source="reviewed" label="cite.review.reviewed" alwaysOn />,
    <SelectInput key="reason" source="reason" label="cite.review.reason" choices={REASONS.map((r) => ({ id: r, name: translate(`cite.ask.reasons.${r}`) }))} />,
    <DateInput key="since" source="since" label="cite.review.since" />,
    <DateInput key="until" source="until" label="cite.review.until" />,
  ];
}

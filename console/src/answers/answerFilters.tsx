import { BooleanInput, DateInput, SearchInput, SelectInput, useTranslate } from 'react-admin';

/**
 * Filters of the review queue, as GET /admin/api/answers accepts them: rating, reviewed, date
 * window, abstained, unsupported sentences. (Filtering by reason is on the feedback list.)
 */
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
        { id: 'none', name: translate('cite.review.rating_none') },
      ]}
      alwaysOn
    />,
    <BooleanInput key="reviewed" source="reviewed" label="cite.review.reviewed" alwaysOn />,
    <DateInput key="created_at_gte" source="created_at_gte" label="cite.review.since" />,
    <DateInput key="created_at_lte" source="created_at_lte" label="cite.review.until" />,
    <BooleanInput key="abstained" source="abstained" label="resources.answers.fields.abstained" />,
    <BooleanInput key="has_unsupported" source="has_unsupported" label="cite.review.has_unsupported" />,
  ];
}

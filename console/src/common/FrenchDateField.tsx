/**
 * The one date field of the console: day first (dd/mm/yyyy, and hh:mm for a date-time) whatever the
 * browser's own locale, in the browser's time zone. French screens use fr-FR, English ones en-GB (also
 * day first). Every list and show uses it instead of react-admin's DateField, whose default follows the
 * browser's locale (mm/dd/yyyy in an American browser).
 */
import { DateField, useLocale, type DateFieldProps } from 'react-admin';
import { DATE_OPTIONS, DATE_TIME_OPTIONS, dateLocale } from './format';

export function FrenchDateField(props: Omit<DateFieldProps, 'locales' | 'options'>) {
  const locale = useLocale();
  return <DateField {...props} locales={dateLocale(locale)} options={props.showTime ? DATE_TIME_OPTIONS : DATE_OPTIONS} />;
}

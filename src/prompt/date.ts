/**
 * Dates as Python's `strftime` writes them in the C locale, for the `Today Date:` line of both
 * dialects (`hf`: `%d %b %Y`, `meta`: `%d %B %Y`) and the template subpath's `strftime_now`.
 */

/** English month names (C locale); `%b` is the first three letters of each. */
export const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/**
 * `date.strftime("%d %B %Y")` (`fullMonth`) or `("%d %b %Y")` of a local date: zero-padded day,
 * English month, the year without padding (`05 March 2025`, `05 Mar 2025`). Date's own methods are
 * used: a subclass cannot answer for it.
 */
export function dayMonthYear(date: Date, fullMonth: boolean): string {
  const D = Date.prototype;
  const month = MONTHS[D.getMonth.call(date)]!;
  return `${String(D.getDate.call(date)).padStart(2, "0")} ${fullMonth ? month : month.slice(0, 3)} ${D.getFullYear.call(date)}`;
}

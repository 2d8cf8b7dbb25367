/**
 * Whether the day exists, as PostgreSQL sees it: Date.parse() reads
 * 2026-02-31 as March 3rd, and PostgreSQL has no year 0.
 */
export function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  return (
    Number(year) >= 1 &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/**
 * RFC 3339 date-times (section 5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, checked field by field (a calendar
 * date, hours 00–23, minutes and seconds 00–59; a leap second is refused since no store can order it), and one
 * normal form for storage and comparison: UTC with six fractional digits (`2025-08-07T06:51:43.000000Z`, as the
 * v3.6 examples show). Normal forms compare as strings in time order.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The normal form of an RFC 3339 date-time (UTC, microseconds), or null when `text` is not one. */
export function normalizeRfc3339(text: string): string | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0–99 as 1900–1999
  utc.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = utc.getUTCFullYear();
  if (y < 0 || y > 9999) return null; // the offset moved it out of four-digit years
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return `${utc.toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A moment in the normal form (UTC, six fractional digits; the last three are zeros: Date counts milliseconds). */
export const microsecondTimestamp = (at: Date | string = new Date()): string =>
  (typeof at === 'string' ? new Date(at) : at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

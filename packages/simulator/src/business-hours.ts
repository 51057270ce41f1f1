// Local time arithmetic for the simulator: is an instant inside a brand's business hours, and when do they
// open next. Good to the minute; a daylight-saving change in the middle of a shift may move a reply by an hour,
// which is harmless here (the ground truth is computed from what was sent, not from this model).

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/** The zone's offset from UTC at `ms`, in milliseconds (cached per zone and hour). */
export function zoneOffsetMs(timezone: string, ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  const key = `${timezone}|${hour}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  const at = hour * HOUR_MS;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  const offset = local - at;
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

export interface WeeklyHours {
  /** ISO weekdays (1 = Monday .. 7 = Sunday) the brand is open. */
  readonly weekdays: readonly number[];
  /** Local "HH:MM". */
  readonly open: string;
  readonly close: string;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `ms` itself when the brand is open then, else the next opening time (UTC ms). */
export function nextBusinessInstant(ms: number, timezone: string, hours: WeeklyHours): number {
  const openMinute = minutes(hours.open);
  const closeMinute = minutes(hours.close);
  const local = ms + zoneOffsetMs(timezone, ms);
  const date = new Date(local);
  const isoWeekday = ((date.getUTCDay() + 6) % 7) + 1;
  const minuteOfDay = date.getUTCHours() * 60 + date.getUTCMinutes();
  if (hours.weekdays.includes(isoWeekday) && minuteOfDay >= openMinute && minuteOfDay < closeMinute)
    return ms;
  const midnight = local - (local % DAY_MS);
  for (let day = 0; day <= 7; day += 1) {
    const weekday = ((isoWeekday - 1 + day) % 7) + 1;
    const openingLocal = midnight + day * DAY_MS + openMinute * 60_000;
    if (!hours.weekdays.includes(weekday) || openingLocal <= local) continue;
    const guess = openingLocal - zoneOffsetMs(timezone, openingLocal);
    return openingLocal - zoneOffsetMs(timezone, guess);
  }
  return ms;
}

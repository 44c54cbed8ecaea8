/**
 * 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC as Cronicorn does:
 * enough to validate what a client sends and to compute a plausible nextRunAt.
 */

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  // 7 is Sunday as well as 0.
  { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Standard cron: when both day fields are restricted, a day matching either one fires. */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

export class CronSyntaxError extends Error {}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronSyntaxError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const sets = parts.map((part, i) => parseField(part, FIELDS[i] as FieldSpec));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    minutes,
    hours,
    days,
    months,
    weekdays,
    daysRestricted: !parts[2]?.startsWith("*"),
    weekdaysRestricted: !parts[4]?.startsWith("*"),
  };
}

function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText, extra] = item.split("/");
    if (extra !== undefined) throw new CronSyntaxError(`${spec.name}: "${item}" has more than one "/"`);
    const step = stepText === undefined ? 1 : parseNumber(stepText, spec, false);
    if (step < 1) throw new CronSyntaxError(`${spec.name}: step must be at least 1`);
    const [from, to] = parseRange(range, spec, stepText !== undefined);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseRange(range: string, spec: FieldSpec, stepped: boolean): [number, number] {
  if (range === "*") return [spec.min, spec.max];
  const [fromText = "", toText, extra] = range.split("-");
  if (extra !== undefined) throw new CronSyntaxError(`${spec.name}: "${range}" is not a range`);
  const from = parseNumber(fromText, spec, true);
  // "a/n" means from a to the end of the field.
  const to = toText === undefined ? (stepped ? spec.max : from) : parseNumber(toText, spec, true);
  if (from > to) throw new CronSyntaxError(`${spec.name}: range ${range} runs backwards`);
  return [from, to];
}

function parseNumber(text: string, spec: FieldSpec, inRange: boolean): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return spec.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`${spec.name}: "${text}" is not a number`);
  const value = Number(text);
  if (inRange && (value < spec.min || value > spec.max)) {
    throw new CronSyntaxError(`${spec.name}: ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

const MINUTE_MS = 60_000;
/** Give up after this many candidate steps: e.g. "0 0 30 2 *" never fires. */
const SEARCH_LIMIT = 200_000;

/** The first time strictly after `after` (UTC, whole minutes) the schedule fires, or null if none within the search limit. */
export function nextCronTime(schedule: CronSchedule, after: Date): Date | null {
  const t = new Date(Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  for (let step = 0; step < SEARCH_LIMIT; step++) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setTime(t.getTime() + MINUTE_MS);
    } else {
      return t;
    }
  }
  return null;
}

function dayMatches(schedule: CronSchedule, t: Date): boolean {
  const dom = schedule.days.has(t.getUTCDate());
  const dow = schedule.weekdays.has(t.getUTCDay());
  if (schedule.daysRestricted && schedule.weekdaysRestricted) return dom || dow;
  return dom && dow;
}

/** Why `expression` is not a usable cron expression, or null when it is. */
export function cronProblem(expression: string): string | null {
  try {
    return nextCronTime(parseCron(expression), new Date()) ? null : "the expression never fires";
  } catch (error) {
    if (error instanceof CronSyntaxError) return error.message;
    throw error;
  }
}

/**
 * EventBridge Scheduler expressions, checked at synth: what AWS accepts, and how often a schedule
 * fires (the dead-man heartbeat of each job derives its window from it). Pure functions, no AWS.
 *
 * Tested via: test/cron-config.test.ts
 */

/** Longest job name: keeps `<app>-<env>-cron-<name>-sched` (the longest derived IAM role name) within 64 characters. */
export const MAX_JOB_NAME = 24;

/** Kebab-case: lowercase words of letters and digits joined by single dashes, starting with a letter. */
export const JOB_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Longest run a job may declare (`timeoutSeconds`): one day. */
export const MAX_JOB_TIMEOUT_SECONDS = 86400;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names usable for values (index 0 = `min`). */
  readonly names?: readonly string[];
  /** `/` steps allowed. */
  readonly steps: boolean;
  /** `?` allowed (day fields only). */
  readonly question: boolean;
  /** Extra single-item forms (L, W, #) and how to describe them. */
  readonly special?: RegExp;
  readonly usage: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The six fields of an AWS cron expression, with the values and wildcards each accepts. */
const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", min: 0, max: 59, steps: true, question: false, usage: "0–59 with , - * /" },
  { name: "hours", min: 0, max: 23, steps: true, question: false, usage: "0–23 with , - * /" },
  { name: "day-of-month", min: 1, max: 31, steps: true, question: true, special: /^(L|LW|([1-9]|[12][0-9]|3[01])W)$/, usage: "1–31 with , - * ? / L W" },
  { name: "month", min: 1, max: 12, names: MONTHS, steps: true, question: false, usage: "1–12 or JAN–DEC with , - * /" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, steps: false, question: true, special: /^(L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/, usage: "1–7 or SUN–SAT with , - * ? L #" },
  { name: "year", min: 1970, max: 2199, steps: true, question: false, usage: "1970–2199 with , - * /" },
];

const RATE = /^rate\((\S+) (\S+)\)$/;
const RATE_UNITS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

function valueOf(text: string, spec: FieldSpec): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const i = spec.names?.indexOf(text) ?? -1;
  return i >= 0 ? spec.min + i : undefined;
}

/** Expands one field to its values, or returns a problem. `?` and `*` expand to the full range. */
function expandField(text: string, spec: FieldSpec): { values: number[] } | { problem: string } {
  const bad = (why: string) => ({ problem: `${spec.name} field "${text}" ${why}; use ${spec.usage}` });
  if (text === "?") return spec.question ? { values: range(spec.min, spec.max, 1) } : bad("cannot be ?");
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") return bad("has an empty list item");
    if (item === "?") return bad("mixes ? with other values");
    if (spec.special?.test(item)) continue; // L, W, #: valid, but not expanded (they are month-relative)
    const [base, stepText, ...rest] = item.split("/");
    if (rest.length || base === undefined) return bad(`has more than one / in "${item}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.steps) return bad("cannot use / steps");
      if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > spec.max) return bad(`has an invalid step in "${item}"`);
      step = Number(stepText);
    }
    let from: number | undefined;
    let to: number | undefined;
    if (base === "*") [from, to] = [spec.min, spec.max];
    else {
      const [a, b, ...more] = base.split("-");
      if (more.length || a === undefined) return bad(`has an invalid range "${base}"`);
      from = valueOf(a, spec);
      to = b === undefined ? (stepText === undefined ? from : spec.max) : valueOf(b, spec);
      if (from === undefined || to === undefined) return bad(`has "${item}", outside ${spec.min}–${spec.max}`);
      if (from > to) return bad(`has the backwards range "${base}"`);
    }
    for (const v of range(from, to, step)) values.add(v);
  }
  return { values: [...values].sort((x, y) => x - y) };
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The six fields of `cron(...)`, or undefined when `expr` is not a cron expression. */
function cronFields(expr: string): string[] | undefined {
  const m = /^cron\((.*)\)$/.exec(expr);
  return m ? m[1]!.trim().split(/\s+/).filter((f) => f !== "") : undefined;
}

/**
 * What is wrong with a schedule expression, with the fix; undefined when AWS accepts it.
 * Cron: six fields, per-field values and wildcards, exactly one of day-of-month/day-of-week `?`.
 * Rate: a whole number >= 1 and minute(s)/hour(s)/day(s), singular exactly for 1.
 */
export function scheduleProblem(expr: string): string | undefined {
  const rate = RATE.exec(expr);
  if (rate) {
    const [, amount, unit] = rate as unknown as [string, string, string];
    if (!/^[0-9]+$/.test(amount) || Number(amount) < 1) return `rate value "${amount}" must be a whole number of 1 or more, e.g. rate(5 minutes)`;
    if (!(unit in RATE_UNITS)) return `rate unit "${unit}" is not minute(s), hour(s) or day(s); e.g. rate(${amount} ${Number(amount) === 1 ? "hour" : "hours"})`;
    const singular = unit.replace(/s$/, "");
    const want = Number(amount) === 1 ? singular : `${singular}s`;
    if (unit !== want) return `rate unit "${unit}" must be ${Number(amount) === 1 ? "singular" : "plural"} with ${amount}; write rate(${amount} ${want})`;
    return undefined;
  }
  if (expr.startsWith("rate(")) return "is not a rate expression; use rate(<n> <unit>), e.g. rate(1 hour) or rate(15 minutes)";
  const fields = cronFields(expr);
  if (!fields) return "is neither cron(...) nor rate(...); use e.g. cron(15 3 * * ? *) or rate(1 hour)";
  if (fields.length !== 6)
    return `has ${fields.length} fields; AWS cron takes 6 (minutes hours day-of-month month day-of-week year), e.g. cron(15 3 * * ? *)`;
  for (const [i, spec] of FIELDS.entries()) {
    const out = expandField(fields[i]!, spec);
    if ("problem" in out) return out.problem;
  }
  const [dom, dow] = [fields[2], fields[4]];
  if (dom !== "?" && dow !== "?") return "sets both day-of-month and day-of-week; use ? in one of them, e.g. cron(15 3 * * ? *)";
  if (dom === "?" && dow === "?") return "has ? in both day-of-month and day-of-week; set one of them (* for every day)";
  return undefined;
}

/**
 * The longest gap between two runs of a schedule, in seconds: rate(N unit) → N × unit; cron →
 * the largest gap between consecutive runs over a week (minutes × hours × days of the week), so an
 * hourly cron gives 3600, a daily one 86400, a weekly one 604800. Undefined for schedules that
 * depend on the day of the month, the month or the year (monthly and rarer: gaps above a week).
 * Assumes `expr` passed scheduleProblem.
 */
export function scheduleIntervalSeconds(expr: string): number | undefined {
  const rate = RATE.exec(expr);
  if (rate) return Number(rate[1]) * (RATE_UNITS[rate[2]!] ?? NaN);
  const fields = cronFields(expr);
  if (!fields || fields.length !== 6) return undefined;
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (!(dom === "*" || dom === "?") || month !== "*" || year !== "*") return undefined;
  if (FIELDS[4]!.special!.test(dow) || dow.split(",").some((d) => FIELDS[4]!.special!.test(d))) return undefined;
  const expand = (text: string, spec: FieldSpec) => {
    const out = expandField(text, spec);
    return "values" in out ? out.values : [];
  };
  const minutes = expand(min, FIELDS[0]!);
  const hours = expand(hour, FIELDS[1]!);
  const days = expand(dow, FIELDS[4]!).map((d) => d - 1); // 0 = Sunday
  const week = 7 * 1440;
  const times = days.flatMap((d) => hours.flatMap((h) => minutes.map((m) => d * 1440 + h * 60 + m))).sort((a, b) => a - b);
  if (!times.length) return undefined;
  let gap = times[0]! + week - times[times.length - 1]!;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap * 60;
}

/** Time zones EventBridge Scheduler accepts here: the runtime's canonical IANA names, plus UTC. */
export function isTimeZone(tz: string): boolean {
  return tz === "UTC" || Intl.supportedValuesOf("timeZone").includes(tz);
}

/** What is wrong with a job name, with the fix; undefined when fine. */
export function jobNameProblem(name: string): string | undefined {
  if (!JOB_NAME.test(name)) return "is not kebab-case; use lowercase letters, digits and single dashes, starting with a letter, e.g. nightly-report";
  if (name.length < 3 || name.length > MAX_JOB_NAME) return `must be 3–${MAX_JOB_NAME} characters so every derived resource name (IAM roles: 64) fits; shorten it`;
  return undefined;
}

/**
 * Service level objectives and the multi-window, multi-burn-rate alert policy of the Google SRE
 * workbook ("Alerting on SLOs", table 5-8). Pure data and arithmetic: no constructs, so scripts and
 * dashboards can share it with {@link SloAlarms}.
 *
 * Burn rate: how fast errors eat the error budget, relative to the rate that uses exactly the whole
 * budget over the SLO window. A burn rate of `factor` held for `t` uses `factor × t / window` of the
 * budget: 14.4× over 1 h is 14.4 / 720 = 2 % of a 30-day budget, 6× over 6 h is 5 %, 1× over 3 days
 * is 10 %. Each alert also needs a short window (1/12 of the long one) over the same threshold, so it
 * resets soon after the burn stops instead of firing for the rest of the long window.
 *
 * Tested via: test/observability/slo.test.ts
 */

/** An objective: the share of good events over a rolling window. */
export interface SloTarget {
  /** Percentage of good events, strictly between 0 and 100 (e.g. 99.9). 100 % leaves no error budget. */
  readonly targetPercent: number;
  /**
   * Rolling window the budget is counted over, in whole days (at least 3, the longest alert window).
   * Only changes the "budget consumed" figures in alarm descriptions: the workbook's burn-rate
   * factors stay as they are. @default 30
   */
  readonly windowDays?: number;
}

/** Availability: the share of requests the service answers without a 5xx. */
export type AvailabilitySlo = SloTarget;

/** Latency: the share of requests answered in at most `thresholdMs`. */
export interface LatencySlo extends SloTarget {
  /** A request slower than this (milliseconds, whole, at least 1) counts against the budget. */
  readonly thresholdMs: number;
}

/** Who hears about an alert: a page wakes someone; a ticket waits for working hours. */
export type AlertSeverity = "page" | "ticket";

/** One alert of the policy: both windows must burn faster than `factor` for it to fire. */
export interface BurnRateAlert {
  /** Page or ticket. */
  readonly severity: AlertSeverity;
  /** Long window, seconds: how much budget must be gone (`factor × long / window`). */
  readonly longWindowSeconds: number;
  /** Short window, seconds (1/12 of the long one): the burn is still going on. */
  readonly shortWindowSeconds: number;
  /** Burn rate, a multiple of the rate that spends exactly the budget over the SLO window. */
  readonly factor: number;
  /** Bad-event ratio (0–1) both windows must exceed: `factor × (1 − target/100)`. */
  readonly errorRateThreshold: number;
  /** Share (0–1) of the SLO window's budget spent when the long window fires: `factor × long / window`. */
  readonly budgetConsumed: number;
}

/** Default SLO window, days. */
export const DEFAULT_SLO_WINDOW_DAYS = 30;
const HOUR = 3600;
const DAY = 86_400;

/** The workbook's policy: [severity, factor, long window, short window]. */
const POLICY: readonly (readonly [AlertSeverity, number, number, number])[] = [
  ["page", 14.4, 1 * HOUR, 5 * 60],
  ["page", 6, 6 * HOUR, 30 * 60],
  ["ticket", 1, 3 * DAY, 6 * HOUR],
];
/** Longest alert window of the policy: an SLO window must be at least this long. */
const LONGEST_WINDOW_DAYS = Math.max(...POLICY.map(([, , long]) => long)) / DAY;

/** Why `targetPercent` cannot be an SLO target, or `undefined` when it can. */
export function targetProblem(targetPercent: number): string | undefined {
  if (!Number.isFinite(targetPercent) || targetPercent <= 0 || targetPercent >= 100)
    return `is ${targetPercent}; use a percentage strictly between 0 and 100 (e.g. 99.9): 100 leaves no error budget to alert on`;
  return undefined;
}

/** Why `windowDays` cannot be an SLO window, or `undefined` when it can. */
export function windowProblem(windowDays: number): string | undefined {
  if (!Number.isInteger(windowDays) || windowDays < LONGEST_WINDOW_DAYS)
    return `is ${windowDays}; use a whole number of days, at least ${LONGEST_WINDOW_DAYS} (the ticket alert looks back ${LONGEST_WINDOW_DAYS} days)`;
  return undefined;
}

/** Rounds away binary noise (100 − 99.9 is 0.0999999999999943), keeping 12 significant digits. */
const tidy = (n: number): number => Number(n.toPrecision(12));

/** Error budget as a ratio (0–1): `1 − target/100` (99.9 → 0.001). */
export function errorBudget(targetPercent: number): number {
  const problem = targetProblem(targetPercent);
  if (problem) throw new RangeError(`targetPercent ${problem}`);
  return tidy((100 - targetPercent) / 100);
}

/**
 * The multi-window, multi-burn-rate policy for `targetPercent`, most urgent first:
 * page at 14.4× over 1 h (short window 5 min), page at 6× over 6 h (30 min), ticket at 1× over
 * 3 days (6 h). With a 99.9 % target the thresholds are 1.44 %, 0.6 % and 0.1 % errors.
 * An alert whose `errorRateThreshold` is 1 or more can never fire (targets under about 93 %):
 * {@link SloAlarms} refuses those.
 *
 * @param targetPercent - SLO target, strictly between 0 and 100.
 * @param windowDays - SLO window for `budgetConsumed`; whole days, at least 3. Default 30.
 * @throws RangeError for a target or window that cannot work.
 */
export function burnRateAlerts(targetPercent: number, windowDays: number = DEFAULT_SLO_WINDOW_DAYS): BurnRateAlert[] {
  const budget = errorBudget(targetPercent);
  const problem = windowProblem(windowDays);
  if (problem) throw new RangeError(`windowDays ${problem}`);
  return POLICY.map(([severity, factor, longWindowSeconds, shortWindowSeconds]) => ({
    severity,
    longWindowSeconds,
    shortWindowSeconds,
    factor,
    errorRateThreshold: tidy(factor * budget),
    budgetConsumed: tidy((factor * longWindowSeconds) / (windowDays * DAY)),
  }));
}

/** A duration for people: `5 min`, `1 h`, `3 days`. */
export function formatWindow(seconds: number): string {
  if (seconds % DAY === 0) return seconds === DAY ? "1 day" : `${seconds / DAY} days`;
  if (seconds % HOUR === 0) return `${seconds / HOUR} h`;
  return `${seconds / 60} min`;
}

/** A compact duration for names: `5m`, `1h`, `3d`. */
export function windowTag(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY}d`;
  if (seconds % HOUR === 0) return `${seconds / HOUR}h`;
  return `${seconds / 60}m`;
}

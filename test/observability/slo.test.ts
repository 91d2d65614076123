import { burnRateAlerts, errorBudget, formatWindow, targetProblem, windowProblem, windowTag } from "../../lib/observability/slo";

describe("burnRateAlerts", () => {
  test("99.9 %: the workbook's three alerts, with thresholds and windows computed by hand", () => {
    // Budget 0.1 % = 0.001 of requests. 14.4 × 0.001 = 0.0144; 6 × 0.001 = 0.006; 1 × 0.001 = 0.001.
    const alerts = burnRateAlerts(99.9);
    expect(alerts.map(({ severity, factor, longWindowSeconds, shortWindowSeconds }) => ({ severity, factor, longWindowSeconds, shortWindowSeconds }))).toEqual([
      { severity: "page", factor: 14.4, longWindowSeconds: 3600, shortWindowSeconds: 300 },
      { severity: "page", factor: 6, longWindowSeconds: 21600, shortWindowSeconds: 1800 },
      { severity: "ticket", factor: 1, longWindowSeconds: 259200, shortWindowSeconds: 21600 },
    ]);
    const [fast, slow, ticket] = alerts;
    expect(fast!.errorRateThreshold).toBeCloseTo(0.0144, 12);
    expect(slow!.errorRateThreshold).toBeCloseTo(0.006, 12);
    expect(ticket!.errorRateThreshold).toBeCloseTo(0.001, 12);
  });

  test("short windows are 1/12 of the long ones", () => {
    for (const a of burnRateAlerts(99.5)) expect(a.longWindowSeconds / a.shortWindowSeconds).toBe(12);
  });

  test("budget consumed: 2 % in 1 h, 5 % in 6 h, 10 % in 3 days of a 30-day budget", () => {
    // 14.4 × 1 h / 720 h = 0.02; 6 × 6 h / 720 h = 0.05; 1 × 72 h / 720 h = 0.1.
    expect(burnRateAlerts(99.9).map((a) => a.budgetConsumed)).toEqual([expect.closeTo(0.02, 12), expect.closeTo(0.05, 12), expect.closeTo(0.1, 12)]);
    // Same factors over a 7-day window spend a larger share: 14.4 / 168 h.
    expect(burnRateAlerts(99.9, 7)[0]!.budgetConsumed).toBeCloseTo(14.4 / 168, 12);
  });

  test("other targets scale the thresholds: 99 % pages at 14.4 %, 99.99999 % at 1.44e-6", () => {
    expect(burnRateAlerts(99)[0]!.errorRateThreshold).toBeCloseTo(0.144, 12);
    const tiny = burnRateAlerts(99.99999);
    expect(tiny[0]!.errorRateThreshold).toBeCloseTo(14.4e-7, 15);
    expect(tiny[2]!.errorRateThreshold).toBeCloseTo(1e-7, 15);
  });

  test.each([100, 0, -1, 100.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses target %p", (target) => {
    expect(() => burnRateAlerts(target)).toThrow(RangeError);
    expect(() => burnRateAlerts(target)).toThrow(/targetPercent is .*; use a percentage strictly between 0 and 100.*100 leaves no error budget/);
    expect(targetProblem(target)).toBeDefined();
  });

  test("accepts targets just inside the range", () => {
    expect(targetProblem(99.99999)).toBeUndefined();
    expect(targetProblem(0.1)).toBeUndefined();
    expect(errorBudget(99.9)).toBeCloseTo(0.001, 15);
  });

  test.each([2, 0, 30.5, -30])("refuses SLO window of %p days", (days) => {
    expect(() => burnRateAlerts(99.9, days)).toThrow(/windowDays is .*; use a whole number of days, at least 3/);
    expect(windowProblem(days)).toBeDefined();
  });

  test("accepts 3 days (the ticket window) and longer", () => {
    expect(windowProblem(3)).toBeUndefined();
    expect(windowProblem(90)).toBeUndefined();
  });
});

describe("window labels", () => {
  test.each([
    [300, "5 min", "5m"],
    [1800, "30 min", "30m"],
    [3600, "1 h", "1h"],
    [21600, "6 h", "6h"],
    [86400, "1 day", "1d"],
    [259200, "3 days", "3d"],
  ])("%p s", (seconds, text, tag) => {
    expect(formatWindow(seconds)).toBe(text);
    expect(windowTag(seconds)).toBe(tag);
  });
});

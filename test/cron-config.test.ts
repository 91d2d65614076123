import { EnvironmentConfigError, ephemeral, prod, staging, validateEnvironment } from "../environments";
import { scheduleIntervalSeconds, scheduleProblem } from "../lib/compute/schedule-expression";
import type { CronJob, EnvironmentConfig } from "../environments/types";
import { withEnv } from "./helpers";

const problemsOf = (env: EnvironmentConfig): string[] => {
  try {
    validateEnvironment(env);
  } catch (e) {
    if (e instanceof EnvironmentConfigError) return [...e.problems];
    throw e;
  }
  throw new Error("expected an EnvironmentConfigError");
};

const report: CronJob = { name: "nightly-report", schedule: "cron(15 3 * * ? *)", command: ["npm", "run", "report"], timeoutSeconds: 3600, database: "read", environments: ["prod", "staging"] };
const cleanup: CronJob = { name: "purge-expired-sessions", schedule: "cron(5 * * * ? *)", command: ["npm", "run", "purge"], timeoutSeconds: 600, database: "write", environments: ["prod"] };
/** prod with the given jobs; the job under test is jobs[1] so messages carry an index. */
const prodWith = (job: Partial<CronJob>): EnvironmentConfig => withEnv(prod, { cron: { jobs: [cleanup, { ...report, ...job }] } });

describe("shipped cron config", () => {
  test("prod and staging schedule the shared jobs; previews get none of them", () => {
    expect(prod.cron).toMatchObject({ maintenance: "off" });
    expect(prod.cron.jobs.map((j) => j.name)).toEqual(["nightly-report", "purge-expired-sessions", "heartbeat"]);
    expect(staging.cron.jobs).toBe(prod.cron.jobs);
    expect(ephemeral(42).cron.jobs.filter((j) => j.environments.includes("preview"))).toEqual([]);
  });

  test("reads are the default: only the write job declares the primary", () => {
    expect(prod.cron.jobs.filter((j) => j.database === "write").map((j) => j.name)).toEqual(["purge-expired-sessions"]);
  });
});

describe("cron validation names the environment, job and field", () => {
  test("both day fields set", () => {
    expect(problemsOf(prodWith({ schedule: "cron(0 3 * * * *)" }))).toEqual([
      'prod.cron.jobs[1].schedule "cron(0 3 * * * *)" nightly-report: sets both day-of-month and day-of-week; use ? in one of them, e.g. cron(15 3 * * ? *)',
    ]);
  });

  test("? in both day fields", () => {
    expect(problemsOf(prodWith({ schedule: "cron(0 3 ? * ? *)" }))[0]).toMatch(/^prod\.cron\.jobs\[1\]\.schedule "cron\(0 3 \? \* \? \*\)" nightly-report: has \? in both day-of-month and day-of-week/);
  });

  test.each([
    ["cron(0 3 * * ?)", /has 5 fields; AWS cron takes 6 \(minutes hours day-of-month month day-of-week year\)/],
    ["cron(0 0 3 * * ? *)", /has 7 fields; AWS cron takes 6/],
    ["0 3 * * ? *", /is neither cron\(\.\.\.\) nor rate\(\.\.\.\)/],
  ])("field count: %s", (schedule, message) => {
    const [p] = problemsOf(prodWith({ schedule: schedule as CronJob["schedule"] }));
    expect(p).toContain(`prod.cron.jobs[1].schedule ${JSON.stringify(schedule)} nightly-report: `);
    expect(p).toMatch(message);
  });

  test.each([
    ["cron(60 3 * * ? *)", /minutes field "60" has "60", outside 0–59; use 0–59 with , - \* \//],
    ["cron(0 24 * * ? *)", /hours field "24" has "24", outside 0–23/],
    ["cron(0 3 32 * ? *)", /day-of-month field "32"/],
    ["cron(0 3 ? 13 MON *)", /month field "13"/],
    ["cron(0 3 ? * 8 *)", /day-of-week field "8"/],
    ["cron(0 3 ? * MON/2 *)", /day-of-week field "MON\/2" cannot use \/ steps/],
    ["cron(0 3 * * ? 1969)", /year field "1969"/],
    ["cron(L 3 * * ? *)", /minutes field "L"/],
    ["cron(? 3 * * * *)", /minutes field "\?" cannot be \?/],
    ["cron(0 5-2 * * ? *)", /hours field "5-2" has the backwards range "5-2"/],
    ["cron(*/0 * * * ? *)", /minutes field "\*\/0" has an invalid step/],
    ["cron(0 3 ? * 6#6 *)", /day-of-week field "6#6"/],
  ])("field values: %s", (schedule, message) => {
    expect(problemsOf(prodWith({ schedule: schedule as CronJob["schedule"] }))[0]).toMatch(message);
  });

  test.each([
    "cron(0/15 * * * ? *)",
    "cron(0 8-18/2 ? * MON-FRI *)",
    "cron(0 3 L * ? *)",
    "cron(0 3 LW * ? *)",
    "cron(0 3 15W * ? *)",
    "cron(0 3 ? * 6L *)",
    "cron(0 3 ? * FRI#2 *)",
    "cron(0 3 ? JAN,JUL * 2026-2030)",
    "cron(5,35 14 * * ? *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 day)",
    "rate(12 hours)",
  ])("AWS accepts %s", (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });

  test.each([
    ["rate(5 minute)", 'rate unit "minute" must be plural with 5; write rate(5 minutes)'],
    ["rate(1 hours)", 'rate unit "hours" must be singular with 1; write rate(1 hour)'],
    ["rate(5 seconds)", 'rate unit "seconds" is not minute(s), hour(s) or day(s); e.g. rate(5 hours)'],
    ["rate(0 minutes)", 'rate value "0" must be a whole number of 1 or more, e.g. rate(5 minutes)'],
    ["rate(1.5 hours)", 'rate value "1.5" must be a whole number of 1 or more, e.g. rate(5 minutes)'],
  ])("rate expression %s", (schedule, message) => {
    expect(problemsOf(prodWith({ schedule: schedule as CronJob["schedule"] }))).toEqual([`prod.cron.jobs[1].schedule "${schedule}" nightly-report: ${message}`]);
  });

  test("an unknown time zone", () => {
    expect(problemsOf(prodWith({ timezone: "Europe/Atlantis" }))).toEqual([
      'prod.cron.jobs[1].timezone "Europe/Atlantis" nightly-report: is not an IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York',
    ]);
    expect(() => validateEnvironment(prodWith({ timezone: "America/New_York" }))).not.toThrow();
    expect(() => validateEnvironment(prodWith({ timezone: "UTC" }))).not.toThrow();
  });

  test("a duplicate job name", () => {
    expect(problemsOf(withEnv(staging, { cron: { jobs: [report, cleanup, { ...cleanup, schedule: "rate(1 hour)" }] } }))).toEqual([
      'staging.cron.jobs[2].name "purge-expired-sessions" purge-expired-sessions: is also the name of jobs[1]; job names must be unique per environment, rename one',
    ]);
  });

  test.each([
    ["Nightly_Report", /is not kebab-case/],
    ["nightly--report", /is not kebab-case/],
    ["-report", /is not kebab-case/],
    ["ab", /must be 3–24 characters/],
    ["a-very-long-nightly-report-job", /must be 3–24 characters so every derived resource name \(IAM roles: 64\) fits/],
  ])("a bad job name %s", (name, message) => {
    const [p] = problemsOf(prodWith({ name }));
    expect(p).toContain(`prod.cron.jobs[1].name ${JSON.stringify(name)} ${name}: `);
    expect(p).toMatch(message);
  });

  test.each([0, -5, 86401, 1.5])("a bad timeout %s", (timeoutSeconds) => {
    expect(problemsOf(prodWith({ timeoutSeconds }))).toEqual([
      `prod.cron.jobs[1].timeoutSeconds ${timeoutSeconds} nightly-report: must be a whole number of seconds from 1 to 86400 (one day); longer work belongs in a worker`,
    ]);
  });

  test("a cpu/memory pair Fargate rejects", () => {
    expect(problemsOf(prodWith({ cpu: 256, memoryMiB: 4096 }))).toEqual([
      "prod.cron.jobs[1].memoryMiB 4096 nightly-report: 4096 is not valid with cpu 256; Fargate accepts 512, 1024, 2048 MiB",
    ]);
  });

  test("retry limits and the maintenance switch", () => {
    expect(problemsOf(prodWith({ retries: { maximumAttempts: 200, maximumEventAgeSeconds: 30 } }))).toEqual([
      "prod.cron.jobs[1].retries.maximumAttempts 200 must be 0–185 (EventBridge Scheduler limit)",
      "prod.cron.jobs[1].retries.maximumEventAgeSeconds 30 must be 60–86400 s (EventBridge Scheduler limit)",
    ]);
    expect(problemsOf(withEnv(prod, { cron: { maintenance: true as never } }))).toEqual(['prod.cron.maintenance true is not a maintenance switch; use "off" or "on"']);
  });

  test("a job scheduled nowhere", () => {
    expect(problemsOf(prodWith({ environments: [] }))[0]).toMatch(/^prod\.cron\.jobs\[1\]\.environments \[\] lists no environment/);
  });
});

describe("scheduleIntervalSeconds: the longest gap between runs", () => {
  test.each([
    ["rate(1 minute)", 60],
    ["rate(15 minutes)", 900],
    ["rate(2 hours)", 7200],
    ["rate(1 day)", 86400],
    ["cron(* * * * ? *)", 60],
    ["cron(0/15 * * * ? *)", 900],
    ["cron(5 * * * ? *)", 3600],
    ["cron(0 */6 * * ? *)", 21600],
    ["cron(15 3 * * ? *)", 86400],
    ["cron(15 3 ? * * *)", 86400],
    ["cron(0 9 ? * MON-FRI *)", 3 * 86400],
    ["cron(0 4 ? * SUN *)", 7 * 86400],
  ])("%s → %i s", (schedule, seconds) => {
    expect(scheduleIntervalSeconds(schedule)).toBe(seconds);
  });

  test.each(["cron(0 4 1 * ? *)", "cron(0 4 L * ? *)", "cron(0 4 ? * 2#1 *)", "cron(0 4 * JAN ? *)", "cron(0 4 * * ? 2030)"])("%s depends on the month: no interval", (schedule) => {
    expect(scheduleIntervalSeconds(schedule)).toBeUndefined();
  });
});

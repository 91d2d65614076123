import { cronObjectSchema } from "./schema";
import { FARGATE_MEMORY } from "../lib/compute/fargate-sizes";
import { MAX_JOB_TIMEOUT_SECONDS, isTimeZone, jobNameProblem, scheduleProblem } from "../lib/compute/schedule-expression";

/**
 * The `cron` section of an environment (validate.ts embeds it). Problems name the job and field:
 * `prod.cron.jobs[1].schedule "cron(0 3 * * * *)" nightly-report: sets both day-of-month and day-of-week; use ? in one of them, ...`.
 *
 * Tested via: test/cron-config.test.ts
 */
export const cronSchema = cronObjectSchema.superRefine((cron, ctx) => {
  // Per-job checks live here so every message can name the job.
  const seen = new Map<string, number>();
  cron.jobs.forEach((j, i) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: "custom", path: ["jobs", i, field], message: `${j.name}: ${message}` });
    const nameProblem = jobNameProblem(j.name);
    if (nameProblem) issue("name", nameProblem);
    const first = seen.get(j.name);
    if (first !== undefined) issue("name", `is also the name of jobs[${first}]; job names must be unique per environment, rename one`);
    else seen.set(j.name, i);
    const scheduleIssue = scheduleProblem(j.schedule);
    if (scheduleIssue) issue("schedule", scheduleIssue);
    if (j.timezone !== undefined && !isTimeZone(j.timezone)) issue("timezone", "is not an IANA time zone; use a name such as UTC, Europe/Berlin or America/New_York");
    if (!Number.isInteger(j.timeoutSeconds) || j.timeoutSeconds < 1 || j.timeoutSeconds > MAX_JOB_TIMEOUT_SECONDS)
      issue("timeoutSeconds", `must be a whole number of seconds from 1 to ${MAX_JOB_TIMEOUT_SECONDS} (one day); longer work belongs in a worker`);
    const cpu = j.cpu ?? 256;
    const memory = j.memoryMiB ?? 512;
    const allowed: readonly number[] | undefined = FARGATE_MEMORY[cpu];
    if (allowed && !allowed.includes(memory)) issue("memoryMiB", `${memory} is not valid with cpu ${cpu}; Fargate accepts ${allowed.join(", ")} MiB`);
  });
});

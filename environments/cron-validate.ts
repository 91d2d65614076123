import { z } from "zod";
import { MAX_JOB_TIMEOUT_SECONDS, isTimeZone, jobNameProblem, scheduleProblem } from "../lib/compute/schedule-expression";

/**
 * The `cron` section of an environment (validate.ts embeds it). Problems name the job and field:
 * `prod.cron.jobs[1].schedule "cron(0 3 * * * *)" nightly-report: sets both day-of-month and day-of-week; use ? in one of them, ...`.
 * `fargateMemory` is validate.ts's FARGATE_MEMORY (passed in to keep the modules acyclic).
 *
 * Tested via: test/cron-config.test.ts
 */
export function cronSchema(fargateMemory: Readonly<Record<number, readonly number[]>>) {
  const job = z.object({
    name: z.string(),
    schedule: z.string(),
    timezone: z.string().optional(),
    command: z.array(z.string().min(1, "has an empty argument")).min(1, 'must name a command, e.g. ["npm", "run", "report"]'),
    image: z.string().optional(),
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
      errorMap: () => ({ message: "is not a Fargate CPU value; use 256, 512, 1024, 2048 or 4096" }),
    }).optional(),
    memoryMiB: z.number().int().optional(),
    timeoutSeconds: z.number(),
    database: z.enum(["read", "write"], { errorMap: () => ({ message: 'is not a database access; use "read" (the replica) or "write" (the primary)' }) }),
    environments: z
      .array(z.enum(["prod", "staging", "preview"], { errorMap: () => ({ message: 'is not a cron environment; use "prod", "staging" or "preview"' }) }))
      .min(1, 'lists no environment; use e.g. ["prod", "staging"], or remove the job'),
    retries: z
      .object({
        maximumAttempts: z.number().int().min(0, "must be 0–185 (EventBridge Scheduler limit)").max(185, "must be 0–185 (EventBridge Scheduler limit)"),
        maximumEventAgeSeconds: z.number().int().min(60, "must be 60–86400 s (EventBridge Scheduler limit)").max(86400, "must be 60–86400 s (EventBridge Scheduler limit)"),
      })
      .optional(),
  });
  return z
    .object({
      maintenance: z.enum(["off", "on"], { errorMap: () => ({ message: 'is not a maintenance switch; use "off" or "on"' }) }),
      jobs: z.array(job),
    })
    .superRefine((cron, ctx) => {
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
        const allowed = fargateMemory[cpu];
        if (allowed && !allowed.includes(memory)) issue("memoryMiB", `${memory} is not valid with cpu ${cpu}; Fargate accepts ${allowed.join(", ")} MiB`);
      });
    });
}

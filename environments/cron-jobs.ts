import type { CronJob } from "./types";

/**
 * The app's scheduled jobs, shared by every environment; each job's `environments` says where it
 * is scheduled (previews only run jobs that list `preview`). Contract (README "Cron"): exit 0 means
 * success; the wrapper then logs the success line the heartbeat counts; a run longer than
 * `timeoutSeconds` is stopped and exits 124.
 */
export const CRON_JOBS: readonly CronJob[] = [
  {
    // Long reads go to the replica (decision 4), so the primary's backup window (03:00–04:00 UTC) does not matter.
    name: "nightly-report",
    schedule: "cron(15 3 * * ? *)",
    command: ["npm", "run", "job:nightly-report"],
    cpu: 512,
    memoryMiB: 1024,
    timeoutSeconds: 3600,
    database: "read",
    environments: ["prod", "staging"],
  },
  {
    name: "purge-expired-sessions",
    schedule: "cron(5 * * * ? *)",
    command: ["npm", "run", "job:purge-expired-sessions"],
    timeoutSeconds: 600,
    database: "write",
    environments: ["prod", "staging"],
    retries: { maximumAttempts: 2, maximumEventAgeSeconds: 900 },
  },
  {
    // Proves the whole path (scheduler → RunTask → image → database → log line) every 15 minutes.
    name: "heartbeat",
    schedule: "rate(15 minutes)",
    command: ["npm", "run", "job:heartbeat"],
    timeoutSeconds: 300,
    database: "read",
    environments: ["prod", "staging"],
  },
];

/**
 * The log line contract of the app: every container writes one JSON object per line on stdout
 * (the awslogs driver ships it to the service's log group), using only the field names below.
 * The saved Logs Insights queries (lib/observability/log-queries.ts), the cron success metric
 * filter (lib/compute/scheduled-task.ts) and the dashboard read these names: rename a field here
 * and every query follows. No AWS SDK imports and no `process.env` here: constructs load this file
 * at synth time, and the app imports it at run time.
 *
 * @example
 * console.log(logLine({ time: new Date(), level: "info", service: "web", msg: "request done", requestId, method: "GET", route: "/orders/:id", status: 200, durationMs: 12 }));
 * // {"time":"2025-01-01T00:00:00.000Z","level":"info","msg":"request done","service":"web","requestId":"…","method":"GET","route":"/orders/:id","status":200,"durationMs":12}
 */

/** JSON field names of a log line. Order here is the order `logLine` writes them in. */
export const LOG_FIELD = {
  /** When the line was written: ISO 8601 UTC (`2025-01-01T12:00:00.000Z`). CloudWatch adds its own `@timestamp` on ingestion. */
  time: "time",
  /** Severity, one of LOG_LEVELS. `error` and `fatal` count as errors in the queries. */
  level: "level",
  /** Human-readable message; not parsed by anything. */
  msg: "msg",
  /** The service (container) that wrote the line, e.g. `web`, `worker`, `cron-nightly-report`. */
  service: "service",
  /**
   * Machine-readable name of what happened, dot-separated `<area>.<what>` (LOG_EVENT), e.g.
   * `job.succeeded` (counted by the cron heartbeat) or `security.login_failed`.
   */
  event: "event",
  /** Cron job name (kebab-case), on every line a scheduled job writes; with `event: "job.succeeded"` it feeds the heartbeat. */
  job: "job",
  /** Request id: taken from the incoming `X-Request-Id` header or generated, passed on to downstream calls, on every line of that request. */
  requestId: "requestId",
  /** HTTP method of the request, upper case (`GET`). */
  method: "method",
  /** Route *template* of the request (`/orders/:id`, not `/orders/42`), so errors group by route. */
  route: "route",
  /** HTTP response status code (number). */
  status: "status",
  /** Time spent serving the request (or the unit of work), in milliseconds (number). */
  durationMs: "durationMs",
  /** Id of the signed-in user, when there is one. An opaque id only: never an e-mail address or a name. */
  userId: "userId",
  /** Error message (`<name>: <message>`) when the line reports a failure. */
  error: "error",
} as const;

/** A field name of the contract. */
export type LogFieldName = (typeof LOG_FIELD)[keyof typeof LOG_FIELD];

/** Every field name of the contract, in line order. */
export const LOG_FIELD_NAMES: readonly LogFieldName[] = Object.values(LOG_FIELD);

/** Severities, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "fatal"] as const;

/** A severity. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Levels the queries count as errors. */
export const ERROR_LEVELS: readonly LogLevel[] = ["error", "fatal"];

/** Known `event` values. Other `<area>.<what>` names are allowed; these are the ones infrastructure reads. */
export const LOG_EVENT = {
  /** A scheduled job finished with exit code 0 (printed by the cron wrapper; counted into `JobSucceeded`). */
  jobSucceeded: "job.succeeded",
  /** A scheduled job gave up; printed by the job itself before it exits non-zero (a killed task cannot print it). */
  jobFailed: "job.failed",
  /** A sign-in attempt was refused. */
  loginFailed: "security.login_failed",
  /** A signed-in user was refused an action (HTTP 403). */
  accessDenied: "security.access_denied",
} as const;

/** Prefix of every security event: the security query matches `event` against it. */
export const SECURITY_EVENT_PREFIX = "security.";

/** The fields of one log line. Every field is optional; write the ones that apply. */
export interface LogFields {
  /** When the line was written; a Date is written as ISO 8601 UTC. */
  readonly time?: Date | string;
  /** Severity. */
  readonly level?: LogLevel;
  /** Human-readable message. */
  readonly msg?: string;
  /** Service that wrote the line. */
  readonly service?: string;
  /** What happened (`<area>.<what>`). */
  readonly event?: string;
  /** Cron job name. */
  readonly job?: string;
  /** Request id. */
  readonly requestId?: string;
  /** HTTP method. */
  readonly method?: string;
  /** Route template. */
  readonly route?: string;
  /** HTTP status code. */
  readonly status?: number;
  /** Duration in milliseconds. */
  readonly durationMs?: number;
  /** Opaque user id. */
  readonly userId?: string;
  /** The failure; an Error is written as `<name>: <message>`. */
  readonly error?: Error | string;
}

/**
 * One log line: a JSON object on a single line (no trailing newline), fields in contract order,
 * undefined fields left out. Pure: it reads no clock and no environment (pass `time` yourself).
 * `logLine({ event: "job.succeeded", job: "x" })` is exactly the cron wrapper's success line.
 */
export function logLine(fields: LogFields): string {
  const out: Record<string, unknown> = {};
  for (const name of LOG_FIELD_NAMES) {
    const value = fields[name];
    if (value === undefined) continue;
    if (value instanceof Date) out[name] = value.toISOString();
    else if (value instanceof Error) out[name] = `${value.name}: ${value.message}`;
    else out[name] = value;
  }
  // JSON.stringify escapes newlines inside values, so a line is always one line.
  return JSON.stringify(out);
}

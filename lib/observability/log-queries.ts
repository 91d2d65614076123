import { Construct } from "constructs";
import { Token } from "cdktf";
import { CloudwatchQueryDefinition } from "@cdktf/provider-aws/lib/cloudwatch-query-definition";
import { ERROR_LEVELS, LOG_EVENT, LOG_FIELD, SECURITY_EVENT_PREFIX } from "../../runtime/log-contract";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

/** The saved queries, in the order the console lists them. */
export const LOG_QUERY_NAMES = ["errors-by-route", "slow-requests", "request-trace", "user-activity", "cron-runs", "security-events"] as const;

/** One saved query. */
export type LogQueryName = (typeof LOG_QUERY_NAMES)[number];

/** Text on-call replaces in `request-trace` before running it. */
export const REQUEST_ID_PLACEHOLDER = "<request-id>";

/** Text on-call replaces in `user-activity` before running it. */
export const USER_ID_PLACEHOLDER = "<user-id>";

/** Most log groups one Logs Insights query may read. */
export const MAX_QUERY_LOG_GROUPS = 50;

/** The contract's field names, as the query builder reads them (LOG_FIELD, or a renamed copy in tests). */
export type LogFieldMap = { readonly [K in keyof typeof LOG_FIELD]: string };

/** What the query texts depend on besides the field names. */
export interface LogQueryOptions {
  /** Requests slower than this many milliseconds are listed by `slow-requests`. */
  readonly slowRequestMs: number;
}

const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * The Logs Insights text of every saved query. Built only from the field names in `fields`
 * (runtime/log-contract.ts by default), so renaming a field there changes every query. Lines
 * starting with `#` are comments Logs Insights skips: they say what the query shows and what to
 * replace.
 */
export function logQueryTexts(opts: LogQueryOptions, fields: LogFieldMap = LOG_FIELD): Record<LogQueryName, string> {
  const f = fields;
  const isError = `${f.level} in ${list(ERROR_LEVELS)}`;
  const lines = (...parts: string[]) => parts.join("\n");
  return {
    "errors-by-route": lines(
      `# Error lines (level ${ERROR_LEVELS.join("/")}) and 5xx responses per route, most first; open one with request-trace.`,
      `fields @timestamp, ${f.route}, ${f.method}, ${f.status}, ${f.level}, ${f.error}`,
      `| filter ${isError} or ${f.status} >= 500`,
      `| stats count(*) as errors, latest(${f.error}) as lastError by ${f.route}, ${f.method}`,
      "| sort errors desc",
    ),
    "slow-requests": lines(
      `# Requests slower than ${opts.slowRequestMs} ms, slowest first.`,
      `fields @timestamp, ${f.service}, ${f.method}, ${f.route}, ${f.status}, ${f.durationMs}, ${f.requestId}`,
      `| filter ${f.durationMs} > ${opts.slowRequestMs}`,
      `| sort ${f.durationMs} desc`,
      "| limit 200",
    ),
    "request-trace": lines(
      `# Every line of one request, across services, oldest first.`,
      `# Replace ${REQUEST_ID_PLACEHOLDER} below with the id (the X-Request-Id response header, or the request id of any line).`,
      `fields @timestamp, @log, ${f.service}, ${f.level}, ${f.msg}, ${f.method}, ${f.route}, ${f.status}, ${f.durationMs}, ${f.error}`,
      `| filter ${f.requestId} = ${JSON.stringify(REQUEST_ID_PLACEHOLDER)}`,
      "| sort @timestamp asc",
      "| limit 1000",
    ),
    "user-activity": lines(
      `# Everything one signed-in user did, newest first.`,
      `# Replace ${USER_ID_PLACEHOLDER} below with the user's id (an opaque id, never an e-mail address).`,
      `fields @timestamp, @log, ${f.service}, ${f.level}, ${f.msg}, ${f.event}, ${f.method}, ${f.route}, ${f.status}, ${f.requestId}`,
      `| filter ${f.userId} = ${JSON.stringify(USER_ID_PLACEHOLDER)}`,
      "| sort @timestamp desc",
      "| limit 1000",
    ),
    "cron-runs": lines(
      `# Cron runs: successes (the wrapper's ${LOG_EVENT.jobSucceeded} line) and the failures a job reported, newest first.`,
      `# A run killed by its timeout prints neither; the failure alert names it.`,
      `fields @timestamp, ${f.job}, ${f.event}, ${f.level}, ${f.msg}, ${f.error}`,
      `| filter ${f.event} in ${list([LOG_EVENT.jobSucceeded, LOG_EVENT.jobFailed])} or (ispresent(${f.job}) and ${isError})`,
      "| sort @timestamp desc",
      "| limit 200",
    ),
    "security-events": lines(
      `# Security events (${SECURITY_EVENT_PREFIX}*: failed sign-ins, refused actions), newest first.`,
      `fields @timestamp, ${f.service}, ${f.event}, ${f.userId}, ${f.requestId}, ${f.method}, ${f.route}, ${f.status}, ${f.msg}`,
      `| filter ${f.event} like /^${regexEscape(SECURITY_EVENT_PREFIX)}/`,
      "| sort @timestamp desc",
      "| limit 500",
    ),
  };
}

export interface LogQueriesProps {
  /** Naming helper of the stack; each query is saved as `<app>-<env>/<query>` (a folder per environment in the console). */
  readonly names: Names;
  /**
   * Log groups every query reads: the services' and cron jobs' groups (FargateTask `logGroupName`).
   * 1–50 names (Logs Insights reads at most 50 groups per query).
   */
  readonly logGroupNames: readonly string[];
  /** Requests slower than this many milliseconds are listed by `slow-requests` (a whole number > 0). @default 1000 */
  readonly slowRequestMs?: number;
}

/**
 * Saved CloudWatch Logs Insights queries for on-call, one per question asked during an incident:
 * `errors-by-route`, `slow-requests`, `request-trace` (one request id across services),
 * `user-activity` (one user id), `cron-runs` (successes and failures) and `security-events`
 * (`event` like `/^security\./`). Each reads the given log groups and is listed in the console
 * under Logs Insights → Saved queries, folder `<app>-<env>`. The text comes from logQueryTexts,
 * built only from the field names of runtime/log-contract.ts; `request-trace` and `user-activity`
 * hold a placeholder (`<request-id>`, `<user-id>`) to replace before running.
 *
 * @example new LogQueries(this, "log-queries", { names, logGroupNames: [web.logGroupName, worker.logGroupName, ...cron.map((c) => c.task.logGroupName)] });
 * Cost: none for the definitions; each run is billed per GB scanned ($0.005/GB).
 * Tested via: test/observability/log-queries.test.ts
 */
export class LogQueries extends Construct {
  /** Saved query name (`<app>-<env>/<query>`) of each query. */
  readonly queryNames: Readonly<Record<LogQueryName, string>>;
  /** The Logs Insights text of each query. */
  readonly queryTexts: Readonly<Record<LogQueryName, string>>;
  /** The underlying resources, for escape hatches and tests. */
  readonly resources: { readonly definitions: Readonly<Record<LogQueryName, CloudwatchQueryDefinition>> };

  constructor(scope: Construct, id: string, props: LogQueriesProps) {
    super(scope, id);
    const cfg = { ...props, slowRequestMs: props.slowRequestMs ?? 1000 };
    const groups = [...cfg.logGroupNames];
    if (groups.length === 0) throw new ConfigError(this, "logGroupNames", "is empty; pass the services' and cron jobs' log group names");
    if (groups.length > MAX_QUERY_LOG_GROUPS) throw new ConfigError(this, "logGroupNames", `has ${groups.length} groups; a Logs Insights query reads at most ${MAX_QUERY_LOG_GROUPS}: split the groups over two LogQueries`);
    const literal = groups.filter((g) => !Token.isUnresolved(g));
    const duplicate = literal.find((g, i) => literal.indexOf(g) !== i);
    if (duplicate) throw new ConfigError(this, "logGroupNames", `lists ${duplicate} twice`);
    if (!Number.isInteger(cfg.slowRequestMs) || cfg.slowRequestMs <= 0) throw new ConfigError(this, "slowRequestMs", `${cfg.slowRequestMs} must be a whole number of milliseconds above 0, e.g. 1000`);

    this.queryTexts = logQueryTexts({ slowRequestMs: cfg.slowRequestMs });
    const queryNames = {} as Record<LogQueryName, string>;
    const definitions = {} as Record<LogQueryName, CloudwatchQueryDefinition>;
    for (const query of LOG_QUERY_NAMES) {
      queryNames[query] = `${cfg.names.prefix}/${query}`;
      definitions[query] = new CloudwatchQueryDefinition(this, query, { name: queryNames[query], logGroupNames: groups, queryString: this.queryTexts[query] });
    }
    this.queryNames = queryNames;
    this.resources = { definitions };
  }
}

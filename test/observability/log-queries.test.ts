import { Testing } from "cdktf";
import { CloudwatchQueryDefinition } from "@cdktf/provider-aws/lib/cloudwatch-query-definition";
import { LOG_EVENT, LOG_FIELD, LOG_FIELD_NAMES, logLine } from "../../runtime/log-contract";
import { successLine } from "../../lib/compute/scheduled-task";
import { LOG_QUERY_NAMES, LogQueries, type LogQueriesProps, type LogFieldMap, REQUEST_ID_PLACEHOLDER, USER_ID_PLACEHOLDER, logQueryTexts } from "../../lib/observability/log-queries";
import { Names } from "../../lib/core/naming";
import { resources, type SynthJson } from "../helpers";

const names = new Names("shipkit", "prod");
const GROUPS = ["/shipkit/prod/web", "/shipkit/prod/worker", "/shipkit/prod/cron-nightly-report"];
const synth = (extra: Partial<LogQueriesProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new LogQueries(s, "log-queries", { names, logGroupNames: GROUPS, ...extra }))) as SynthJson;

/** Logs Insights words that are not field names: commands, operators, functions, sort order. */
const INSIGHTS_WORDS = new Set(["fields", "filter", "stats", "sort", "limit", "display", "parse", "by", "as", "and", "or", "not", "in", "like", "asc", "desc", "count", "latest", "ispresent", "bin", "avg", "max", "min", "sum", "pct"]);

/**
 * The field names a query reads: every word of its `fields`, `filter`, `stats` and `sort` commands
 * that is not a comment, string, regex, number, `@`-field, Logs Insights word, or an alias it defines with `as`.
 */
function fieldsOf(query: string): string[] {
  const commands = query
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .split("|")
    .map((c) => c.trim())
    .filter((c) => /^(fields|filter|stats|sort)\b/.test(c));
  const aliases = new Set([...query.matchAll(/\bas\s+([A-Za-z_]\w*)/g)].map((m) => m[1]!));
  const words = commands.flatMap((c) =>
    c
      .replace(/"(?:[^"\\]|\\.)*"/g, " ")
      .replace(/\/(?:[^/\\\n]|\\.)+\//g, " ")
      .replace(/@\w+/g, " ")
      .match(/[A-Za-z_][\w.]*/g) ?? [],
  );
  return [...new Set(words.filter((w) => !INSIGHTS_WORDS.has(w) && !aliases.has(w)))];
}

describe("log contract", () => {
  test("logLine writes one JSON line, contract order, no undefined fields", () => {
    const line = logLine({ durationMs: 12, status: 200, level: "info", msg: "done\nwith a newline", time: new Date("2025-01-01T00:00:00Z"), requestId: "r-1", error: new TypeError("boom") });
    expect(line).not.toContain("\n");
    expect(Object.keys(JSON.parse(line))).toEqual(["time", "level", "msg", "requestId", "status", "durationMs", "error"]);
    expect(JSON.parse(line)).toMatchObject({ time: "2025-01-01T00:00:00.000Z", error: "TypeError: boom", msg: "done\nwith a newline" });
  });
  test("the cron success line is a contract line: same event and job fields, byte for byte", () => {
    expect(logLine({ event: LOG_EVENT.jobSucceeded, job: "nightly-report" })).toBe(successLine("nightly-report"));
  });
  test("field constants are their own names (the JSON keys the app writes)", () => {
    for (const [key, value] of Object.entries(LOG_FIELD)) expect(value).toBe(key);
  });
});

test("the field check sees every field word (so the contract test can fail)", () => {
  expect(fieldsOf('# comment mentions notAField\nfields @timestamp, foo | filter bar = "baz" and qux like /x.y/ | stats count(*) as n by zap | sort n desc')).toEqual(["foo", "bar", "qux", "zap"]);
});

describe("LogQueries", () => {
  const json = synth();
  const defs = resources(json, "aws_cloudwatch_query_definition");

  test("one saved query per question, named <app>-<env>/<query>, each reading every log group", () => {
    expect(defs.map((d) => d.name).sort()).toEqual(LOG_QUERY_NAMES.map((q) => `shipkit-prod/${q}`).sort());
    for (const d of defs) expect(d.log_group_names).toEqual(GROUPS);
  });

  test.each(LOG_QUERY_NAMES)("%s reads only fields of the log contract", (query) => {
    const text = defs.find((d) => d.name === `shipkit-prod/${query}`)!.query_string as string;
    const used = fieldsOf(text);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((f) => !(LOG_FIELD_NAMES as readonly string[]).includes(f))).toEqual([]);
  });

  test("a renamed contract field changes every query that reads it", () => {
    const renamed: LogFieldMap = Object.fromEntries(Object.entries(LOG_FIELD).map(([k, v]) => [k, `x_${v}`])) as LogFieldMap;
    const before = logQueryTexts({ slowRequestMs: 1000 });
    const after = logQueryTexts({ slowRequestMs: 1000 }, renamed);
    for (const query of LOG_QUERY_NAMES) {
      const fields = fieldsOf(after[query]);
      expect(fields.length).toBeGreaterThan(0);
      expect(fields.every((f) => f.startsWith("x_"))).toBe(true);
      expect(fieldsOf(before[query]).map((f) => `x_${f}`).sort()).toEqual([...fields].sort());
    }
  });

  test("what each query asks", () => {
    const q = Object.fromEntries(defs.map((d) => [String(d.name).split("/")[1], String(d.query_string)]));
    expect(q["errors-by-route"]).toMatch(/filter level in \["error", "fatal"\] or status >= 500/);
    expect(q["errors-by-route"]).toMatch(/stats count\(\*\) as errors.* by route, method/);
    expect(q["slow-requests"]).toMatch(/filter durationMs > 1000\n\| sort durationMs desc/);
    expect(q["request-trace"]).toContain(`filter requestId = "${REQUEST_ID_PLACEHOLDER}"`);
    expect(q["request-trace"]).toMatch(/^# Replace <request-id> below/m);
    expect(q["request-trace"]).toContain("@log"); // which service's group each line came from
    expect(q["user-activity"]).toContain(`filter userId = "${USER_ID_PLACEHOLDER}"`);
    expect(q["cron-runs"]).toContain('filter event in ["job.succeeded", "job.failed"] or (ispresent(job) and level in ["error", "fatal"])');
    expect(q["security-events"]).toContain("filter event like /^security\\./");
  });

  test("slowRequestMs left undefined means 1000", () => {
    expect(resources(synth({ slowRequestMs: undefined }), "aws_cloudwatch_query_definition").find((d) => d.name === "shipkit-prod/slow-requests")!.query_string).toContain("filter durationMs > 1000");
  });

  test("slowRequestMs sets the slow-request threshold", () => {
    const text = resources(synth({ slowRequestMs: 250 }), "aws_cloudwatch_query_definition").find((d) => d.name === "shipkit-prod/slow-requests")!.query_string;
    expect(text).toContain("filter durationMs > 250");
  });

  test("log group tokens pass through to every definition", () => {
    const out = JSON.parse(
      Testing.synthScope((s) => {
        const q = new LogQueries(s, "q", { names, logGroupNames: ["${aws_cloudwatch_log_group.web.name}"] });
        expect(q.resources.definitions["cron-runs"]).toBeInstanceOf(CloudwatchQueryDefinition);
      }),
    ) as SynthJson;
    expect(resources(out, "aws_cloudwatch_query_definition")[0]!.log_group_names).toEqual(["${aws_cloudwatch_log_group.web.name}"]);
  });

  test.each([
    ["no log groups", { logGroupNames: [] }, /log-queries: "logGroupNames" is empty/],
    ["51 log groups", { logGroupNames: Array.from({ length: 51 }, (_, i) => `/g/${i}`) }, /"logGroupNames" has 51 groups; .* at most 50/],
    ["a log group twice", { logGroupNames: ["/a", "/a"] }, /"logGroupNames" lists \/a twice/],
    ["a zero threshold", { slowRequestMs: 0 }, /"slowRequestMs" 0 must be a whole number/],
    ["a fractional threshold", { slowRequestMs: 1.5 }, /"slowRequestMs" 1.5 must be a whole number/],
  ] as const)("rejects %s", (_what, extra, message) => {
    expect(() => synth(extra as Partial<LogQueriesProps>)).toThrow(message);
  });
});

/**
 * The origin-verify secrets across the whole app as main.ts builds it (PR_NUMBER=42, online):
 * prod's secret is referenced by the edge stack only, and every host an environment's ALB routes
 * gets exactly the secret that ALB accepts (its class's), from exactly one edge rule.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, type BuiltStack } from "../../app";
import { ORIGIN_SECRET_PREVIOUS_VARIABLE, ORIGIN_SECRET_VARIABLE, ORIGIN_VERIFY_HEADER, edgeOriginSecretVariable, originSecretClass } from "../../stacks/edge-contract";
import { originRuleRef, routeMatchesHost } from "../../lib/edge/edge-rulesets";
import { readStackJson, type StackJson } from "../../scripts/lib/edge-checks";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-origin-classes-"));
let stacks: BuiltStack[] = [];
const json: Record<string, StackJson> = {};

beforeAll(() => {
  const built = buildApp({ prNumber: 42, deployment: { mode: "online" }, outdir });
  built.app.synth();
  stacks = built.stacks;
  for (const s of stacks) json[s.name] = readStackJson(outdir, s.name);
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

interface LateRule {
  ref: string;
  expression: string;
  action_parameters: { headers: Record<string, { value: string }> };
}
interface ListenerRule {
  condition: { host_header?: { values: string[] }; http_header?: { http_header_name: string; values: string } }[];
}
const envStacks = () => stacks.filter((s) => s.kind === "environment");
const lateRules = (): LateRule[] => Object.values((json["edge-example-com"]!.resource as Record<string, Record<string, { phase: string; rules: LateRule[] }>>).cloudflare_ruleset!).find((r) => r.phase === "http_request_late_transform")!.rules;
const listenerRules = (stack: string): ListenerRule[] => Object.values(((json[stack]!.resource ?? {}) as unknown as Record<string, Record<string, ListenerRule>>).aws_lb_listener_rule ?? {});
/** The route a class's edge rule encodes, parsed back from its synthesized expression. */
const routeOf = (cls: string) => {
  const rule = lateRules().find((r) => r.ref === originRuleRef(cls))!;
  const hosts = [...(/http\.host in \{([^}]*)\}/.exec(rule.expression)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const pattern = /starts_with\(http\.host, "([^"]+)"\) and ends_with\(http\.host, "([^"]+)"\)/.exec(rule.expression);
  return { hosts, ...(pattern ? { previewHosts: { prefix: pattern[1]!, suffix: pattern[2]! } } : {}) };
};

test("prod's secret variable appears in the edge stack and in no other stack", () => {
  const holders = stacks.filter((s) => JSON.stringify(json[s.name]).includes(edgeOriginSecretVariable("prod"))).map((s) => s.name);
  expect(holders).toEqual(["edge-example-com"]);
});

test("each environment stack requires only its own deploy-time secret variables on its listener rules", () => {
  for (const s of envStacks()) {
    const rules = listenerRules(s.name).filter((r) => r.condition.some((c) => c.http_header));
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      const header = r.condition.find((c) => c.http_header)!.http_header!;
      expect(header.http_header_name).toBe(ORIGIN_VERIFY_HEADER);
      expect(header.values).toBe(`\${compact([var.${ORIGIN_SECRET_VARIABLE}, var.${ORIGIN_SECRET_PREVIOUS_VARIABLE}])}`);
    }
  }
  expect(envStacks().map((s) => [s.name, originSecretClass(s.env)])).toEqual([
    ["prod", "prod"],
    ["staging", "staging"],
    ["pr-42", "staging"],
  ]);
});

test("every host an ALB routes gets its class's secret from exactly one edge rule, never another class's", () => {
  const classes = ["prod", "staging"] as const;
  for (const s of envStacks()) {
    const hosts = [...new Set(listenerRules(s.name).flatMap((r) => r.condition.flatMap((c) => c.host_header?.values ?? [])))];
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) {
      const matching = classes.filter((cls) => routeMatchesHost(routeOf(cls), host));
      expect({ stack: s.name, host, classes: matching }).toEqual({ stack: s.name, host, classes: [originSecretClass(s.env)] });
    }
  }
  for (const cls of classes) expect(lateRules().find((r) => r.ref === originRuleRef(cls))!.action_parameters.headers[ORIGIN_VERIFY_HEADER]!.value).toBe(`\${var.${edgeOriginSecretVariable(cls)}}`);
});

test("a host of no environment gets no secret at all", () => {
  for (const host of ["example.com.evil.net", "unknown.example.com", "pr-42-staging.example.org", "staging.example.com.evil.net"])
    expect(["prod", "staging"].filter((cls) => routeMatchesHost(routeOf(cls), host))).toEqual([]);
});

/**
 * Host-bound routing (issue 17 item 3): every listener rule of every environment matches its own
 * host, so a stale origin secret or an unknown host gets the ALB's default 403, never another
 * environment's app. Checked on the synthesized rules of prod, staging and pr-42.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";
import type { EnvironmentConfig } from "../../environments/types";

interface Condition {
  host_header?: { values: string[] };
  path_pattern?: { values: string[] };
  http_header?: { http_header_name: string; values: string[] };
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-hosts-"));
const { app, stacks } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(outdir, "state") }, outdir });
app.synth();
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const rulesOf = (stack: string) => {
  const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, { condition?: Condition[] }>> };
  return Object.entries(json.resource?.aws_lb_listener_rule ?? {});
};
/** The hosts an environment's rules may match: its app hostname, and hosts its services declare. */
const hostsOf = (env: EnvironmentConfig) => new Set([env.hostnames.app, ...Object.values(env.services).flatMap((s) => (s.kind === "http" ? (s.route.hosts ?? []) : []))]);

describe.each(["prod", "staging", "pr-42"])("%s", (name) => {
  const env = stacks.find((s) => s.name === name)!.env;
  const rules = rulesOf(name);

  test("has listener rules (one per HTTP service)", () => {
    expect(rules.length).toBe(Object.values(env.services).filter((s) => s.kind === "http").length);
  });

  test("every listener rule has a host condition, and it names only the environment's hosts", () => {
    for (const [id, rule] of rules) {
      const hosts = (rule.condition ?? []).flatMap((c) => c.host_header?.values ?? []);
      expect({ id, hasHost: hosts.length > 0 }).toEqual({ id, hasHost: true });
      for (const h of hosts) expect({ id, host: h, ok: hostsOf(env).has(h) }).toEqual({ id, host: h, ok: true });
    }
  });

  test("no rule matches another environment's host", () => {
    const others = stacks.filter((s) => s.kind === "environment" && s.name !== name).map((s) => s.env.hostnames.app);
    for (const [, rule] of rules) for (const c of rule.condition ?? []) for (const h of c.host_header?.values ?? []) expect(others).not.toContain(h);
  });
});

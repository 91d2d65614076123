/**
 * The whole app as main.ts builds it (PR_NUMBER=42, offline): checks that span stacks.
 * Cloudflare stacks are never planned offline (no provider binary), so these checks stand in.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp, type BuiltStack } from "../../app";
import { checkCloudflareStacks, cloudflareInAwsStack, readStackJson, type CloudflareStackInput, type StackJson } from "../../scripts/lib/edge-checks";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-edge-app-"));
let stacks: BuiltStack[] = [];
const json: Record<string, StackJson & { data?: Record<string, Record<string, { backend?: string; config?: { path?: string; key?: string } }>> }> = {};

beforeAll(() => {
  const built = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(outdir, "state") }, outdir });
  built.app.synth();
  stacks = built.stacks;
  for (const s of stacks) json[s.name] = readStackJson(outdir, s.name);
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

// With each zone's plan, as plan:offline passes it: DNS records are checked against the plan's limits too.
const inputs = (): CloudflareStackInput[] => stacks.filter((s) => s.provider === "cloudflare").map((s) => ({ name: s.name, zone: s.zone!, plan: s.env.cloudflare.plan, json: json[s.name]! }));

describe("buildApp wiring", () => {
  test("bootstrap stacks first, then edge, env stacks, dns stacks; providers labelled", () => {
    expect(stacks.map((s) => [s.name, s.provider])).toEqual([
      ["bootstrap-111111111111", "aws"],
      ["bootstrap-222222222222", "aws"],
      ["edge-example-com", "cloudflare"],
      ["prod", "aws"],
      ["staging", "aws"],
      ["pr-42", "aws"],
      ["prod-dns", "cloudflare"],
      ["staging-dns", "cloudflare"],
      ["pr-42-dns", "cloudflare"],
    ]);
    expect(stacks.find((s) => s.name === "edge-example-com")).toMatchObject({ zone: "example.com", env: { name: "prod" } });
  });

  test("every Cloudflare stack passes the offline checks", () => {
    const reports = checkCloudflareStacks(inputs());
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect(reports.find((r) => r.stack === "edge-example-com")).toMatchObject({ rulesets: 4, rules: 7 });
  });

  test("one zone ruleset per (zone, phase) across ALL synthesized stacks, all in the edge stack", () => {
    const owners: string[] = [];
    for (const [name, j] of Object.entries(json)) for (const r of Object.values(j.resource?.cloudflare_ruleset ?? {})) owners.push(`${name} ${String(r.phase)}`);
    expect(new Set(owners).size).toBe(owners.length);
    expect(owners.every((o) => o.startsWith("edge-example-com "))).toBe(true);
  });

  test("no unescaped ${<digit> in any ruleset string of any stack", () => {
    for (const j of Object.values(json)) for (const r of Object.values(j.resource?.cloudflare_ruleset ?? {})) expect(JSON.stringify(r.rules)).not.toMatch(/(^|[^$])\$\{[0-9]/);
  });

  test.each(["prod", "staging", "pr-42"])("AWS stack %s has no Cloudflare resource, data source or provider", (name) => {
    expect(cloudflareInAwsStack(name, json[name]!)).toEqual([]);
    expect(JSON.stringify(json[name])).not.toMatch(/cloudflare_(ruleset|dns_record|zone_setting)/);
  });

  test("DNS stacks: FQDN names without trailing dot, proxied with ttl 1", () => {
    for (const name of ["prod-dns", "staging-dns", "pr-42-dns"])
      for (const r of Object.values(json[name]!.resource?.cloudflare_dns_record ?? {})) {
        expect(String(r.name)).toMatch(/^([a-z0-9-]+\.)*example\.com$/);
        expect(r).toMatchObject({ proxied: true, ttl: 1 });
      }
  });

  test("the state graph is acyclic: edge reads nothing, env stacks never read dns, dns reads only env state", () => {
    const reads = (name: string) => Object.values(json[name]!.data?.terraform_remote_state ?? {}).map((d) => path.basename(String(d.config?.path ?? d.config?.key), ".tfstate"));
    expect(reads("edge-example-com")).toEqual([]);
    expect(reads("prod-dns")).toEqual(["prod"]);
    expect(reads("staging-dns")).toEqual(["staging"]);
    expect(reads("pr-42-dns")).toEqual(["staging"]);
    for (const env of ["prod", "staging", "pr-42"]) for (const r of reads(env)) expect(r).not.toMatch(/-dns$/);
  });
});

describe("edge-checks catch what a plan would", () => {
  const base = (): CloudflareStackInput[] => inputs().map((i) => ({ ...i, json: JSON.parse(JSON.stringify(i.json)) as StackJson }));
  const problems = (list: CloudflareStackInput[]) => checkCloudflareStacks(list).flatMap((r) => r.problems);
  const edgeRes = (list: CloudflareStackInput[]) => list.find((i) => i.name === "edge-example-com")!.json.resource!;

  test("a second ruleset for a phase in another stack (error 20217)", () => {
    const list = base();
    const anyRuleset = Object.values(edgeRes(list).cloudflare_ruleset!)[0]!;
    const dns = list.find((i) => i.name === "pr-42-dns")!;
    (dns.json as { resource: Record<string, unknown> }).resource.cloudflare_ruleset = { extra: { ...anyRuleset } };
    expect(problems(list).join("\n")).toMatch(/pr-42-dns: cloudflare_ruleset\.extra is a second zone ruleset for phase \w+ in zone example\.com .*error 20217/);
  });

  test("a zone_id literal that is not 32 hex digits", () => {
    const list = base();
    const rs = Object.values(edgeRes(list).cloudflare_ruleset!)[0]!;
    rs.zone_id = "example.com";
    expect(problems(list).join("\n")).toMatch(/zone_id "example\.com" does not match/);
  });

  test("a ${1} left for Terraform to eat", () => {
    const list = base();
    const rs = Object.values(edgeRes(list).cloudflare_ruleset!)[0]! as { rules: { expression: string }[] };
    rs.rules[0]!.expression = 'wildcard_replace(http.request.uri.path, "/a/*", "/${1}")';
    expect(problems(list).join("\n")).toMatch(/contains "\$\{<digit>"/);
  });

  test("a zone setting value of {} (a number without Token.asAny)", () => {
    const list = base();
    const zs = Object.values(edgeRes(list).cloudflare_zone_setting!)[0]!;
    zs.value = {};
    expect(problems(list).join("\n")).toMatch(/value \{\} is not a string or object/);
  });

  test("a DNS name with a trailing dot, outside the zone, or proxied with a TTL", () => {
    const list = base();
    const rec = Object.values(list.find((i) => i.name === "prod-dns")!.json.resource!.cloudflare_dns_record!)[0]!;
    rec.name = "www.example.com.";
    rec.ttl = 300;
    const p = problems(list).join("\n");
    expect(p).toMatch(/ends with a dot/);
    expect(p).toMatch(/proxied with ttl 300/);
  });

  test("Cloudflare in an AWS stack", () => {
    expect(cloudflareInAwsStack("prod", { resource: { cloudflare_dns_record: { x: {} } }, provider: { cloudflare: [{}] } })).toEqual(["prod: resource cloudflare_dns_record.x", "prod: provider cloudflare"]);
  });
});

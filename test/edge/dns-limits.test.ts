import { Testing } from "cdktf";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { prod } from "../../environments";
import type { CloudflarePlan } from "../../environments/types";
import { EdgeDnsRecords, type EdgeDnsRecordsProps } from "../../lib/edge/edge-dns-records";
import { charCount, dnsRecordCountProblem, dnsRecordProblems } from "../../lib/edge/edge-dns-limits";
import { PLAN_LIMITS } from "../../lib/edge/edge-plan-limits";
import { DnsStack } from "../../stacks/dns-stack";
import { checkCloudflareStacks, type StackJson } from "../../scripts/lib/edge-checks";
import { OFFLINE, bareStack, resources, synthStrict, withEnv, type SynthJson } from "../helpers";

const PLANS: CloudflarePlan[] = ["free", "pro", "business", "enterprise"];
const PAID: CloudflarePlan[] = ["pro", "business", "enterprise"];
/** A 26-character app hostname: the shortest that broke prod-dns's apex comment on Free. */
const APP26 = "shop-frontends.example.com";
/** prod-dns's apex comment as shipped before this check: 75 characters + the app hostname. */
const oldApexComment = (app: string) => `prod: redirects to ${app} (rule in the edge stack) (managed by shipkit, prod-dns)`;

function synthRecords(patch: Partial<EdgeDnsRecordsProps> = {}): SynthJson {
  const stack = bareStack();
  new CloudflareProvider(stack, "cloudflare", {});
  new EdgeDnsRecords(stack, "records", {
    hostnames: { app: "www.example.com", redirects: ["example.com"] },
    zone: "example.com",
    zoneId: "0123456789abcdef0123456789abcdef",
    target: "alb.example.net",
    label: "prod",
    managedBy: "shipkit, prod-dns",
    ...patch,
  });
  return JSON.parse(Testing.synth(stack, true)) as SynthJson;
}

describe("DNS limits table (plans/index.json, dns.*)", () => {
  test("comments: 100 characters on Free, 500 on every paid plan", () => {
    expect(PLANS.map((p) => PLAN_LIMITS[p].dns.commentMaxChars)).toEqual([100, 500, 500, 500]);
  });
  test("tags only on paid plans (20 per record, name 32, value 100); records per zone 200 on Free, 3,500 paid; DNS-only TTL from 60 (Enterprise 30) to 86400", () => {
    expect(PLAN_LIMITS.free.dns.tags).toBeUndefined();
    for (const p of PAID) expect(PLAN_LIMITS[p].dns.tags).toEqual({ perRecord: 20, nameMaxChars: 32, valueMaxChars: 100 });
    expect(PLANS.map((p) => PLAN_LIMITS[p].dns.recordsPerZone)).toEqual([200, 3500, 3500, 3500]);
    expect(PLANS.map((p) => PLAN_LIMITS[p].dns.minTtlSeconds)).toEqual([60, 60, 60, 30]);
    expect(PLANS.every((p) => PLAN_LIMITS[p].dns.maxTtlSeconds === 86400)).toBe(true);
  });
});

describe("comment length (API error 9313)", () => {
  test("fires on a 26-character app hostname on Free (the old apex comment: 75 + 26 = 101) and not on a paid plan", () => {
    expect(APP26).toHaveLength(26);
    const comment = oldApexComment(APP26);
    expect(comment).toHaveLength(101);
    const free = dnsRecordProblems("free", { address: "prod-dns: cloudflare_dns_record.records_example-com", name: "example.com", comment });
    expect(free).toHaveLength(1);
    expect(free[0]).toMatch(/prod-dns: cloudflare_dns_record\.records_example-com \(example\.com\) comment is 101 characters; the free plan allows 100 \(the API refuses it at apply, error 9313\)\. Shorten the comment to at most 100 characters, or set cloudflare\.plan to "pro" or higher \(500 characters\)/);
    for (const p of PAID) expect(dnsRecordProblems(p, { address: "x", comment })).toEqual([]);
    // 25 characters: 100, exactly the limit.
    expect(dnsRecordProblems("free", { address: "x", comment: oldApexComment(APP26.slice(1)) })).toEqual([]);
  });

  test("characters, not bytes or UTF-16 units, are counted; references are skipped", () => {
    expect(charCount("é🙂")).toBe(2);
    expect(dnsRecordProblems("free", { address: "x", comment: "🙂".repeat(100) })).toEqual([]);
    expect(dnsRecordProblems("free", { address: "x", comment: "${aws_acm_certificate.c.arn}" + "x".repeat(100) })).toEqual([]);
  });

  test("the shipped comments no longer grow with the hostname: a 26-character and a 60-character app hostname pass on Free", () => {
    for (const app of [APP26, `${"a".repeat(48)}.example.com`]) {
      const rs = resources(synthRecords({ hostnames: { app, redirects: ["example.com"], aliases: [`api.${app}`] }, plan: "free" }), "cloudflare_dns_record");
      expect(rs).toHaveLength(3);
      for (const r of rs) expect(String(r.comment).length).toBeLessThanOrEqual(100);
    }
  });

  test("EdgeDnsRecords refuses at synth a comment over the plan's limit, naming the record, the length, the limit and the fix; paid plans accept it", () => {
    const managedBy = `shipkit, ${"x".repeat(40)}`;
    expect(() => synthRecords({ managedBy, plan: "free" })).toThrow(
      /records: "label" \/ "managedBy": record example\.com comment is 1\d\d characters; the free plan allows 100 \(the API refuses it at apply, error 9313\)\. Shorten label or managedBy so the comment has at most 100 characters, or set cloudflare\.plan to "pro" or higher/,
    );
    expect(() => synthRecords({ managedBy })).toThrow(/the free plan allows 100/); // default: free
    expect(() => synthRecords({ managedBy, plan: "pro" })).not.toThrow();
  });

  test("prod-dns with a 26-character app hostname synthesizes on Free; its apex comment is 83 characters whatever the hostname", () => {
    const env = withEnv(prod, { hostnames: { app: APP26, redirects: ["example.com"] } });
    expect(env.cloudflare.plan).toBe("free");
    const rs = resources(synthStrict(new DnsStack(Testing.app(), { env, deployment: OFFLINE })), "cloudflare_dns_record");
    expect(rs.find((r) => r.name === "example.com")!.comment).toBe("prod: redirects to the app hostname (edge-stack rule), managed by shipkit, prod-dns");
  });
});

describe("tags and TTL", () => {
  test("tags: none on Free; on paid plans at most 20, names of letters, digits, - or _ up to 32, values up to 100", () => {
    expect(dnsRecordProblems("free", { address: "x", tags: ["owner:web"] })).toEqual([expect.stringMatching(/has tags \(1\); the free plan has no DNS record tags\. Remove them, or set cloudflare\.plan to "pro" or higher/)]);
    expect(dnsRecordProblems("pro", { address: "x", tags: ["owner:web"] })).toEqual([]);
    expect(dnsRecordProblems("pro", { address: "x", tags: Array.from({ length: 21 }, (_, i) => `t${i}:v`) })).toEqual([expect.stringMatching(/21 tags; the pro plan allows 20 per record/)]);
    expect(dnsRecordProblems("pro", { address: "x", tags: [`${"n".repeat(33)}:v`, "bad name:v", `ok:${"v".repeat(101)}`] })).toHaveLength(3);
  });

  test("DNS-only TTL: 1 or 60-86400 (Enterprise from 30); proxied records are not judged here", () => {
    expect(dnsRecordProblems("free", { address: "x", ttl: 60, proxied: false })).toEqual([]);
    expect(dnsRecordProblems("free", { address: "x", ttl: 1, proxied: false })).toEqual([]);
    expect(dnsRecordProblems("free", { address: "x", ttl: 30, proxied: false })).toEqual([expect.stringMatching(/DNS-only with ttl 30; the free plan accepts 1 \(automatic\) or 60-86400 seconds\. Use 60, or set cloudflare\.plan to "enterprise"/)]);
    expect(dnsRecordProblems("enterprise", { address: "x", ttl: 30, proxied: false })).toEqual([]);
    expect(dnsRecordProblems("pro", { address: "x", ttl: 172800 })).toEqual([expect.stringMatching(/Use 86400$/)]);
    expect(dnsRecordProblems("free", { address: "x", ttl: 30, proxied: true })).toEqual([]);
  });

  test("records per zone: over 200 on Free is reported, Pro allows 3,500", () => {
    expect(dnsRecordCountProblem("free", "example.com", 200)).toBeUndefined();
    expect(dnsRecordCountProblem("free", "example.com", 201)).toMatch(/zone example\.com: the stacks create 201 DNS records; the free plan allows 200 per zone.*"pro" or higher \(3500 records\)/);
    expect(dnsRecordCountProblem("pro", "example.com", 201)).toBeUndefined();
  });
});

describe("plan:offline checks (scripts/lib/edge-checks.ts) with the zone's plan", () => {
  const record = (comment: string, extra: Record<string, unknown> = {}) => ({ zone_id: "${var.cloudflare_zone_id}", name: "example.com", type: "CNAME", content: "alb", proxied: true, ttl: 1, comment, ...extra });
  const stack = (records: Record<string, Record<string, unknown>>): StackJson => ({ resource: { cloudflare_dns_record: records } });

  test("a comment over Free's limit fails the check on Free only; no plan, no check", () => {
    const json = stack({ apex: record(oldApexComment(APP26)) });
    const run = (plan?: CloudflarePlan) => checkCloudflareStacks([{ name: "prod-dns", zone: "example.com", plan, json }]).flatMap((r) => r.problems);
    expect(run("free")).toEqual([expect.stringMatching(/^prod-dns: cloudflare_dns_record\.apex \(example\.com\) comment is 101 characters; the free plan allows 100/)]);
    expect(run("pro")).toEqual([]);
    expect(run(undefined)).toEqual([]);
  });

  test("records are counted across stacks of one zone, for_each maps by key, and the excess is reported once", () => {
    const many = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, record("c", { name: `${prefix}${i}.example.com` })]));
    const validation = { acm: record("c", { for_each: { "example.com": "example.com", "staging.example.com": "staging.example.com" }, proxied: false, ttl: 60 }) };
    const reports = checkCloudflareStacks([
      { name: "edge-example-com", zone: "example.com", plan: "free", json: stack(validation) },
      { name: "a-dns", zone: "example.com", plan: "free", json: stack(many(150, "a")) },
      { name: "b-dns", zone: "example.com", plan: "free", json: stack(many(49, "b")) },
    ]);
    expect(reports.flatMap((r) => r.problems)).toEqual([expect.stringMatching(/^zone example\.com: the stacks create 201 DNS records; the free plan allows 200/)]);
    expect(reports[2]!.problems).toHaveLength(1);
  });
});

/**
 * Offline checks of synthesized Cloudflare stacks. No Cloudflare provider binary exists on these
 * machines, so Cloudflare stacks are never planned; this re-implements, over the synthesized
 * JSON, the provider validators and Cloudflare rules that a plan or apply would otherwise be the
 * first to hit (docs/toolchain-notes.md §9). Plan-tier limits are checked earlier, at synth, by
 * lib/edge/edge-rulesets.ts. Used by `npm run plan:offline` and test/edge/*.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dnsRecordCountProblem, dnsRecordProblems } from "../../lib/edge/edge-dns-limits";
import type { CloudflarePlan } from "../../lib/edge/edge-plan-limits";

type Block = Record<string, Record<string, Record<string, unknown>>>;
/** The parts of a synthesized `cdk.tf.json` the checks read. */
export interface StackJson {
  readonly resource?: Block;
  readonly data?: Block;
  readonly provider?: Record<string, unknown>;
  readonly variable?: Record<string, Record<string, unknown>>;
}

export interface CloudflareStackInput {
  readonly name: string;
  /** The zone the stack manages (zone ids are variables, so the zone name keys the uniqueness check). */
  readonly zone: string;
  /**
   * The zone's Cloudflare plan: DNS records are checked against its limits (comment length, tags,
   * TTL, records per zone). @default no plan checks
   */
  readonly plan?: CloudflarePlan;
  readonly json: StackJson;
}

export interface CloudflareStackReport {
  readonly stack: string;
  /** Rules across the stack's rulesets. */
  readonly rules: number;
  readonly rulesets: number;
  readonly problems: readonly string[];
}

const ZONE_ID = /^[0-9a-f]{32}$/;
const UNESCAPED = /(^|[^$])\$\{[0-9]/;
const isToken = (s: string) => s.includes("${");

/** Reads `<outdir>/stacks/<name>/cdk.tf.json`. */
export function readStackJson(outdir: string, name: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as StackJson;
}

function strings(value: unknown, at: string): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}

/**
 * Checks Cloudflare stacks together (some rules span stacks):
 * - `zone_id` literals match ^[0-9a-f]{32}$ (the provider validator);
 * - at most one zone `cloudflare_ruleset` per (zone, phase) across ALL stacks (error 20217);
 * - no unescaped `${<digit>` in any ruleset string (Terraform would interpolate it away);
 * - every rule has a `ref`; rate-limit characteristics include `cf.colo.id`;
 * - every `cloudflare_zone_setting` value is a string or a non-empty object, never `{}`, an
 *   array-like object or a number;
 * - DNS names are FQDNs without a trailing dot; proxied records have `ttl` 1;
 * - with a `plan`: each DNS record within the plan's limits (comment length: Free 100, paid 500,
 *   error 9313; tags; DNS-only TTL) and the records of a zone, across ALL stacks, within its
 *   records-per-zone limit (lib/edge/edge-dns-limits.ts);
 * - no literal value of a sensitive variable (origin secret) appears anywhere: it must be a reference.
 */
export function checkCloudflareStacks(stacks: readonly CloudflareStackInput[]): CloudflareStackReport[] {
  const owners = new Map<string, string>();
  const recordsByZone = new Map<string, { plan: CloudflarePlan; count: number; last: number }>();
  const reports = stacks.map(({ name, zone, plan, json }, index) => {
    const problems: string[] = [];
    let rules = 0;
    let rulesets = 0;
    for (const [type, byId] of Object.entries(json.resource ?? {})) {
      if (!type.startsWith("cloudflare_")) continue;
      for (const [id, r] of Object.entries(byId)) {
        const addr = `${name}: ${type}.${id}`;
        const zoneId = r.zone_id;
        if (typeof zoneId === "string" && !isToken(zoneId) && !ZONE_ID.test(zoneId)) problems.push(`${addr} zone_id ${JSON.stringify(zoneId)} does not match ^[0-9a-f]{32}$`);
        if (type === "cloudflare_ruleset") {
          rulesets++;
          const list = Array.isArray(r.rules) ? (r.rules as Record<string, unknown>[]) : [];
          rules += list.length;
          if (r.kind === "zone") {
            const key = `${typeof zoneId === "string" && !isToken(zoneId) ? zoneId : zone} ${String(r.phase)}`;
            const other = owners.get(key);
            if (other) problems.push(`${addr} is a second zone ruleset for phase ${String(r.phase)} in zone ${zone} (also ${other}); Cloudflare allows one per phase per zone (error 20217)`);
            else owners.set(key, addr);
          }
          for (const [at, s] of strings(r.rules, "rules")) if (UNESCAPED.test(s)) problems.push(`${addr} ${at} contains "\${<digit>", which Terraform interpolates away; escape it as "$\${1}"`);
          list.forEach((rule, i) => {
            if (typeof rule.ref !== "string" || !rule.ref) problems.push(`${addr} rules[${i}] has no ref (rule ids would change on every edit)`);
            const rl = rule.ratelimit as { characteristics?: unknown } | undefined;
            if (rl && !(Array.isArray(rl.characteristics) && rl.characteristics.includes("cf.colo.id"))) problems.push(`${addr} rules[${i}] (${String(rule.ref)}) rate limit lacks the mandatory cf.colo.id characteristic`);
          });
        }
        if (type === "cloudflare_zone_setting" && "value" in r) {
          const v = r.value;
          const ok = typeof v === "string" || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0 && !Object.keys(v).every((k) => /^[0-9]+$/.test(k)));
          if (!ok) problems.push(`${addr} (${String(r.setting_id)}) value ${JSON.stringify(v)} is not a string or object: wrap values in Token.asAny (docs/toolchain-notes.md §5)`);
        }
        if (type === "cloudflare_dns_record") {
          const n = r.name;
          if (typeof n === "string" && !isToken(n)) {
            if (n.endsWith(".")) problems.push(`${addr} name ${JSON.stringify(n)} ends with a dot; v5 wants the FQDN without it`);
            if (n !== zone && !n.endsWith(`.${zone}`)) problems.push(`${addr} name ${JSON.stringify(n)} is not an FQDN in zone ${zone}`);
          }
          if (r.proxied === true && r.ttl !== 1) problems.push(`${addr} is proxied with ttl ${JSON.stringify(r.ttl)}; proxied records need ttl 1 (automatic), anything else drifts`);
          if (plan) {
            problems.push(...dnsRecordProblems(plan, { address: addr, name: n, comment: r.comment, tags: r.tags, ttl: r.ttl, proxied: r.proxied }));
            // for_each over a literal map makes one record per key (ACM validation records).
            const each = r.for_each;
            const count = each && typeof each === "object" && !Array.isArray(each) ? Object.keys(each).length : 1;
            const seen = recordsByZone.get(zone) ?? { plan, count: 0, last: index };
            recordsByZone.set(zone, { plan, count: seen.count + count, last: index });
          }
        }
      }
    }
    for (const [v, def] of Object.entries(json.variable ?? {}))
      if (def.sensitive === true && def.default !== undefined) problems.push(`${name}: sensitive variable ${v} has a default; secrets come from the deploying environment only`);
    return { stack: name, rules, rulesets, problems };
  });
  // Records per zone span stacks: reported on the last stack that adds records to the zone.
  for (const [zone, { plan, count, last }] of recordsByZone) {
    const problem = dnsRecordCountProblem(plan, zone, count);
    if (problem) (reports[last]!.problems as string[]).push(problem);
  }
  return reports;
}

/** Cloudflare resources, data sources or providers in a stack that must be AWS-only. */
export function cloudflareInAwsStack(name: string, json: StackJson): string[] {
  const found: string[] = [];
  for (const kind of ["resource", "data"] as const)
    for (const [type, byId] of Object.entries(json[kind] ?? {})) if (type.startsWith("cloudflare_")) found.push(...Object.keys(byId).map((id) => `${name}: ${kind} ${type}.${id}`));
  if (json.provider && "cloudflare" in json.provider) found.push(`${name}: provider cloudflare`);
  return found;
}

/**
 * A copy of a synthesized Cloudflare stack in which every `cloudflare_*` resource is a built-in
 * `terraform_data` (its arguments kept as `input`, `for_each` kept) and the Cloudflare provider is
 * gone, so the AWS half (ACM certificates, the validation for_each, variables and their
 * validations, references) can be planned offline with the real AWS provider
 * (docs/toolchain-notes.md §9, step 4). References to stubbed resources are rewritten to match.
 */
export function stubCloudflareForPlan(json: StackJson & Record<string, unknown>): StackJson & Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(json)) as StackJson & Record<string, unknown> & { resource: Block; provider?: Record<string, unknown>; terraform?: { required_providers?: Record<string, unknown> } };
  const renames: [RegExp, string][] = [];
  const stubs: Record<string, Record<string, unknown>> = {};
  for (const [type, byId] of Object.entries(copy.resource ?? {})) {
    if (!type.startsWith("cloudflare_")) continue;
    for (const [id, r] of Object.entries(byId)) {
      const name = `${type.replace(/^cloudflare_/, "cf_")}_${id}`;
      renames.push([new RegExp(`\\b${type}\\.${id.replace(/[-]/g, "\\-")}\\b`, "g"), `terraform_data.${name}`]);
      const { for_each, depends_on, provider: _p, lifecycle: _l, ...input } = r;
      stubs[name] = { input, ...(for_each !== undefined ? { for_each } : {}), ...(depends_on !== undefined ? { depends_on } : {}) };
    }
    delete copy.resource[type];
  }
  if (Object.keys(stubs).length) copy.resource.terraform_data = stubs;
  if (copy.provider) delete copy.provider.cloudflare;
  if (copy.terraform?.required_providers) delete copy.terraform.required_providers.cloudflare;
  let text = JSON.stringify(copy);
  for (const [re, to] of renames) text = text.replace(re, to);
  return JSON.parse(text) as StackJson & Record<string, unknown>;
}

import { Token } from "cdktf";
import { PLAN_LIMITS, cheapestPlan, type CloudflarePlan, type DnsLimits } from "./edge-plan-limits";

/**
 * Cloudflare's per-plan limits on DNS records (lib/edge/edge-plan-limits.ts, `dns`), checked before
 * an apply would hit them. The API refuses such a record at apply time (a comment over the limit is
 * error 9313); `terraform plan` checks none of it, and offline there is no Cloudflare plan at all.
 * Used at synth by EdgeDnsRecords (a ConfigError) and over synthesized JSON by
 * scripts/lib/edge-checks.ts (`npm run plan:offline`), which also sees records made elsewhere
 * (ACM validation records, escape hatches).
 *
 * Sources: https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/
 * (comments, tags; per-plan numbers from the plan matrix, `dns.record_comments` and
 * `dns.record_tags`), https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/ (TTL),
 * https://developers.cloudflare.com/dns/manage-dns-records/ (records per zone, `dns.record_management`).
 *
 * Tested via: test/edge/dns-limits.test.ts
 */

/** The parts of a `cloudflare_dns_record` the limits concern; values as synthesized (tokens are skipped). */
export interface DnsRecordFields {
  /** How messages name the record, e.g. `prod-dns: cloudflare_dns_record.records_example-com` or a construct path. */
  readonly address: string;
  /** The record's name (FQDN), for messages. */
  readonly name?: unknown;
  /** `comment`: at most the plan's `commentMaxChars` characters. */
  readonly comment?: unknown;
  /** `tags` (`name:value` strings): paid plans only, within the plan's tag limits. */
  readonly tags?: unknown;
  /** `ttl` in seconds; 1 = automatic. */
  readonly ttl?: unknown;
  /** `proxied`: a proxied record's TTL is always 1 and is not judged here. */
  readonly proxied?: unknown;
}

/** A literal (not a Terraform reference or cdktf token). */
const literal = (v: unknown): v is string => typeof v === "string" && !Token.isUnresolved(v) && !v.includes("${");
/** Characters as Cloudflare counts them (Unicode code points, not UTF-16 units). */
export const charCount = (s: string): number => [...s].length;
const TAG_NAME = /^[A-Za-z0-9_-]+$/;

/** ` or set cloudflare.plan to "<p>" or higher (<what>)`, when a higher plan allows it; else "". */
function upgrade(ok: (l: DnsLimits) => boolean, what: (l: DnsLimits) => string): string {
  const p = cheapestPlan((l) => ok(l.dns));
  return p ? `, or set cloudflare.plan to "${p}" or higher (${what(PLAN_LIMITS[p].dns)})` : "";
}

/**
 * The per-record limits a record breaks on `plan`, one message each (empty when it complies):
 * - `comment` at most `commentMaxChars` characters (Free 100, paid 500; error 9313);
 * - `tags` only on paid plans, at most 20, each `name:value` with a name of letters, digits, - or _
 *   up to 32 characters and a value up to 100;
 * - a DNS-only record's `ttl` is 1 (automatic) or 60 (Enterprise: 30) to 86400 seconds.
 * `hints.comment` replaces the fix's opening words ("Shorten the comment to") for callers that build
 * the comment from their own props.
 */
export function dnsRecordProblems(plan: CloudflarePlan, r: DnsRecordFields, hints: { readonly comment?: string } = {}): string[] {
  const lim = PLAN_LIMITS[plan].dns;
  const at = `${r.address}${literal(r.name) ? ` (${r.name})` : ""}`;
  const problems: string[] = [];
  if (literal(r.comment)) {
    const n = charCount(r.comment);
    if (n > lim.commentMaxChars)
      problems.push(
        `${at} comment is ${n} characters; the ${plan} plan allows ${lim.commentMaxChars} (the API refuses it at apply, error 9313). ${hints.comment ?? "Shorten the comment to"} at most ${lim.commentMaxChars} characters${upgrade((l) => l.commentMaxChars >= n, (l) => `${l.commentMaxChars} characters`)}: ${JSON.stringify(r.comment)}`,
      );
  }
  if (Array.isArray(r.tags) && r.tags.length) {
    const tags = lim.tags;
    if (!tags) problems.push(`${at} has tags (${r.tags.length}); the ${plan} plan has no DNS record tags. Remove them${upgrade((l) => l.tags !== undefined, () => "20 tags per record")}`);
    else {
      if (r.tags.length > tags.perRecord) problems.push(`${at} has ${r.tags.length} tags; the ${plan} plan allows ${tags.perRecord} per record. Remove ${r.tags.length - tags.perRecord}`);
      for (const t of r.tags.filter(literal)) {
        const colon = t.indexOf(":");
        const name = colon < 0 ? t : t.slice(0, colon);
        const value = colon < 0 ? "" : t.slice(colon + 1);
        if (!TAG_NAME.test(name) || charCount(name) > tags.nameMaxChars)
          problems.push(`${at} tag ${JSON.stringify(t)}: the name (before the colon) must be 1-${tags.nameMaxChars} letters, digits, - or _`);
        if (charCount(value) > tags.valueMaxChars) problems.push(`${at} tag ${JSON.stringify(t)}: the value (after the colon) is ${charCount(value)} characters; at most ${tags.valueMaxChars}`);
      }
    }
  }
  if (r.proxied !== true && typeof r.ttl === "number" && r.ttl !== 1 && (r.ttl < lim.minTtlSeconds || r.ttl > lim.maxTtlSeconds))
    problems.push(
      `${at} is DNS-only with ttl ${r.ttl}; the ${plan} plan accepts 1 (automatic) or ${lim.minTtlSeconds}-${lim.maxTtlSeconds} seconds. Use ${r.ttl < lim.minTtlSeconds ? lim.minTtlSeconds : lim.maxTtlSeconds}${r.ttl < lim.minTtlSeconds ? upgrade((l) => l.minTtlSeconds <= (r.ttl as number), (l) => `minimum ${l.minTtlSeconds} s`) : ""}`,
    );
  return problems;
}

/**
 * Records a zone may hold on `plan`, against the records this kit creates in it (`count`, across
 * every stack). The zone's other records (mail, verification, ...) count too, so this only catches
 * the kit alone going over; the message says so.
 */
export function dnsRecordCountProblem(plan: CloudflarePlan, zone: string, count: number): string | undefined {
  const max = PLAN_LIMITS[plan].dns.recordsPerZone;
  if (count <= max) return undefined;
  return `zone ${zone}: the stacks create ${count} DNS records; the ${plan} plan allows ${max} per zone, records made outside this kit included (Free: 200 for zones created since 2024-09-01, 1,000 before). Remove records (e.g. close previews)${upgrade((l) => l.recordsPerZone >= count, (l) => `${l.recordsPerZone} records`)}`;
}

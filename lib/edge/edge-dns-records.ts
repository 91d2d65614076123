import { Construct } from "constructs";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import { ConfigError } from "../core/errors";
import { dnsRecordProblems } from "./edge-dns-limits";
import type { CloudflarePlan } from "./edge-plan-limits";

/** Hostnames that get records: structurally the app's `env.hostnames`, so it passes straight in. */
export interface DnsHostnames {
  /** The hostname users reach the app on, e.g. `www.example.com`. */
  readonly app: string;
  /** Hostnames that redirect to `app` (e.g. the apex); each gets a record so the redirect rule can run. `[]` for none. */
  readonly redirects: readonly string[];
  /** More hostnames the same ALB serves (services routed by host, e.g. `api.example.com`). @default none */
  readonly aliases?: readonly string[];
}

export interface EdgeDnsRecordsProps {
  /** Hostnames that get records (app + redirects); FQDNs in `zone`, a trailing dot is dropped. */
  readonly hostnames: DnsHostnames;
  /** The Cloudflare zone (apex domain) every hostname must be in, e.g. `example.com`. */
  readonly zone: string;
  /** Cloudflare zone id of `zone`. */
  readonly zoneId: string;
  /** DNS name of the ALB the hostnames point at (e.g. a token read from the env stack's state). */
  readonly target: string;
  /** Who the records serve, e.g. the environment name `prod`: each record's comment starts with `<label>: `. */
  readonly label: string;
  /** Who manages the records, named at the end of each comment: `, managed by <managedBy>`, e.g. `shipkit, prod-dns`. */
  readonly managedBy: string;
  /**
   * The zone's Cloudflare plan: each record is checked against its DNS limits at synth (comment
   * length: 100 characters on Free, 500 on paid plans; the API refuses longer with error 9313).
   * @default "free" (the strictest limits)
   */
  readonly plan?: CloudflarePlan;
}

/**
 * Proxied CNAMEs for an app's hostnames → its ALB: the app hostname, each alias (a service's own host) and each redirect hostname
 * (e.g. the apex; Cloudflare flattens a CNAME at the apex). The redirect itself is a zone rule
 * elsewhere (the edge stack's), because the redirect phase is a zone singleton; the apex record
 * only has to exist and be proxied so the rule can run.
 *
 * Names are FQDNs without a trailing dot (v5 flips bare labels to FQDNs on refresh and breaks on
 * trailing dots); `ttl` is 1 (automatic) because Cloudflare forces it for proxied records.
 * Each record's comment starts with `label` and never contains a hostname, so its length does not
 * grow with the names: a redirect record's comment says it "redirects to the app hostname" (the
 * record commented `<label>: app hostname` in the same stack) rather than naming it. Comments are
 * checked against the plan's limit at synth (edge-dns-limits.ts); the longest shipped one,
 * `prod: redirects to the app hostname (edge-stack rule), managed by shipkit, prod-dns`, is 83
 * characters, under Free's 100.
 *
 * @example new EdgeDnsRecords(this, "records", { hostnames: { app: "www.example.com", redirects: ["example.com"] }, zone: "example.com", zoneId, target: albDnsName, label: "prod", managedBy: "shipkit, prod-dns" });
 * Cost: free. Tested via: test/edge/edge-dns-records.test.ts, test/edge/dns-stack.test.ts
 */
export class EdgeDnsRecords extends Construct {
  /** Records by hostname. */
  readonly records: Readonly<Record<string, DnsRecord>>;

  constructor(scope: Construct, id: string, props: EdgeDnsRecordsProps) {
    super(scope, id);
    const { hostnames, zone, label } = props;
    const records: Record<string, DnsRecord> = {};
    const plan = props.plan ?? "free";
    const hosts: [string, string][] = [
      [hostnames.app, `${label}: app hostname`],
      ...hostnames.redirects.map((h): [string, string] => [h, `${label}: redirects to the app hostname (edge-stack rule)`]),
      ...(hostnames.aliases ?? []).map((h): [string, string] => [h, `${label}: service hostname (ALB listener rule)`]),
    ];
    for (const [host, comment] of hosts) {
      const name = host.replace(/\.$/, "");
      if (name !== zone && !name.endsWith(`.${zone}`)) throw new ConfigError(this, "hostnames", `${JSON.stringify(host)} is not in zone ${zone}; use a name under ${zone}`);
      if (records[name]) continue;
      const full = `${comment}, managed by ${props.managedBy}`;
      const [problem] = dnsRecordProblems(plan, { address: `record ${name}`, comment: full }, { comment: "Shorten label or managedBy so the comment has" });
      if (problem) throw new ConfigError(this, "label", `/ "managedBy": ${problem}`);
      records[name] = new DnsRecord(this, name.replace(/[^a-z0-9]+/g, "-"), {
        zoneId: props.zoneId,
        name,
        type: "CNAME",
        content: props.target,
        proxied: true,
        ttl: 1,
        comment: full,
        // CNAME `settings` drift on every plan with provider 5.14 (issues #5517, #5858): never set here.
        lifecycle: { ignoreChanges: ["settings"] },
      });
    }
    this.records = records;
  }
}

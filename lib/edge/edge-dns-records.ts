import { Construct } from "constructs";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import type { EnvironmentConfig } from "../../environments/types";
import { ConfigError } from "../core/errors";

export interface EdgeDnsRecordsProps {
  /** Environment whose hostnames get records (app + redirects). */
  readonly env: EnvironmentConfig;
  /** Cloudflare zone id. */
  readonly zoneId: string;
  /** DNS name of the ALB the hostnames point at (a token read from the env stack's state). */
  readonly target: string;
}

/**
 * Proxied CNAMEs for an environment's hostnames → its ALB: the app hostname and each redirect
 * hostname (prod's apex; Cloudflare flattens a CNAME at the apex). The redirect itself is a rule
 * in the edge stack, because the redirect phase is a zone singleton; the apex record only has to
 * exist and be proxied so the rule can run.
 *
 * Names are FQDNs without a trailing dot (v5 flips bare labels to FQDNs on refresh and breaks on
 * trailing dots); `ttl` is 1 (automatic) because Cloudflare forces it for proxied records.
 * Each record's comment starts with the environment name.
 *
 * @example new EdgeDnsRecords(this, "records", { env: prod, zoneId, target: albDnsName });
 * Cost: free. Tested via: test/edge/dns-stack.test.ts
 */
export class EdgeDnsRecords extends Construct {
  /** Records by hostname. */
  readonly records: Readonly<Record<string, DnsRecord>>;

  constructor(scope: Construct, id: string, props: EdgeDnsRecordsProps) {
    super(scope, id);
    const { env } = props;
    const records: Record<string, DnsRecord> = {};
    const hosts: [string, string][] = [[env.hostnames.app, `${env.name}: app hostname`], ...env.hostnames.redirects.map((h): [string, string] => [h, `${env.name}: redirects to ${env.hostnames.app} (rule in the edge stack)`])];
    for (const [host, comment] of hosts) {
      const name = host.replace(/\.$/, "");
      const zone = env.cloudflare.zone;
      if (name !== zone && !name.endsWith(`.${zone}`)) throw new ConfigError(this, "env.hostnames", `${JSON.stringify(host)} is not in zone ${zone}; use a name under ${zone}`);
      if (records[name]) continue;
      records[name] = new DnsRecord(this, name.replace(/[^a-z0-9]+/g, "-"), {
        zoneId: props.zoneId,
        name,
        type: "CNAME",
        content: props.target,
        proxied: true,
        ttl: 1,
        comment: `${comment} (managed by shipkit, ${env.name}-dns)`,
      });
    }
    this.records = records;
  }
}

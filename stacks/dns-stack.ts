import { Construct } from "constructs";
import { Fn, TerraformStack, TerraformVariable } from "cdktf";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import type { EnvironmentConfig } from "../environments/types";
import { serviceHosts } from "../environments/service-schema";
import { EdgeDnsRecords } from "../lib/edge/edge-dns-records";
import type { Deployment } from "./deployment";
import { ALB_DNS_NAME_OUTPUT, CLOUDFLARE_ZONE_ID_VARIABLE, dnsStackName, readEnvironmentState, useStackBackend } from "./edge-state";

export interface DnsStackProps {
  /** The environment whose hostnames this stack publishes (prod, staging or a preview). */
  readonly env: EnvironmentConfig;
  /** Online (S3 state, deploy role) or offline (local state). */
  readonly deployment: Deployment;
}

/**
 * The public DNS of one environment (`<env>-dns`, `pr-<n>-dns`): proxied CNAMEs for its
 * hostnames to its ALB. Cloudflare provider only (token from CLOUDFLARE_API_TOKEN; zone id from
 * the `cloudflare_zone_id` variable). The ALB DNS name is read from the env stack's state output
 * `alb_dns_name` (a preview reads staging's: previews share staging's ALB). Deployed after the
 * env stack; destroying it (preview close) removes only the records.
 *
 * State: the environment's own bucket and deploy role, key `<env>-dns/terraform.tfstate`.
 * Never planned offline (no Cloudflare provider binary). Tested via: test/edge/dns-stack.test.ts
 */
export class DnsStack extends TerraformStack {
  readonly env: EnvironmentConfig;
  readonly records: EdgeDnsRecords;

  constructor(scope: Construct, props: DnsStackProps) {
    const { env, deployment } = props;
    super(scope, dnsStackName(env.name));
    this.env = env;
    new CloudflareProvider(this, "cloudflare", {});
    const zoneId = new TerraformVariable(this, CLOUDFLARE_ZONE_ID_VARIABLE, {
      type: "string",
      nullable: false,
      description: `Cloudflare zone id of ${env.cloudflare.zone} (32 lowercase hex; zone overview page)`,
    });
    zoneId.addValidation({ condition: Fn.can(Fn.regex("^[0-9a-f]{32}$", zoneId.stringValue)), errorMessage: `${CLOUDFLARE_ZONE_ID_VARIABLE} must be the 32-hex-digit id of zone ${env.cloudflare.zone}.` });
    useStackBackend(this, this.node.id, env, deployment);
    const state = readEnvironmentState(this, env, deployment);
    this.records = new EdgeDnsRecords(this, "records", {
      hostnames: { ...env.hostnames, aliases: serviceHosts(env) },
      zone: env.cloudflare.zone,
      zoneId: zoneId.stringValue,
      target: state.getString(ALB_DNS_NAME_OUTPUT),
      label: env.name,
      managedBy: `shipkit, ${this.node.id}`,
      plan: env.cloudflare.plan,
    });
  }
}

import { Construct } from "constructs";
import { Fn, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { EnvironmentConfigError } from "../environments/validate";
import type { CloudflarePlan, EnvironmentConfig } from "../environments/types";
import { EdgeCertificate, certificateNames, validationKey } from "../lib/edge/edge-certificates";
import { Names } from "../lib/core/naming";
import { EdgeRulesets, defaultEdgeRules, routeMatchesHost, type EdgeRules, type OriginSecretRoute } from "../lib/edge/edge-rulesets";
import { ORIGIN_VERIFY_HEADER } from "../lib/edge/origin-verify";
import { PREVIEW_BASE, previewHostPattern } from "../environments/schema";
import { serviceHosts } from "../environments/service-schema";
import { EdgeZoneSettings } from "../lib/edge/edge-zone-settings";
import { ConfigError } from "../lib/core/errors";
import { awsProviderConfig, type Deployment } from "./deployment";
import { certificateOutput, edgeOriginSecretVariable, originSecretClass, edgeStackName, edgeStateLocation, hostCertificateOutput, hostsWithOwnCertificate, wildcardZoneOf } from "./edge-contract";
import { CLOUDFLARE_ZONE_ID_VARIABLE, EDGE_COMPONENT_TAG, edgeStateOwner, isLongLived, useStackBackend } from "./edge-state";
import { defaultTags } from "./environment-stack";

/** One Cloudflare zone, its plan, and the long-lived environments served from it. */
export interface EdgeZone {
  readonly zone: string;
  readonly plan: CloudflarePlan;
  /** Long-lived environments (prod, staging) whose hostnames are in the zone. */
  readonly envs: readonly EnvironmentConfig[];
}

/**
 * Groups environments by Cloudflare zone (one edge stack each). Previews ride on their base's
 * zone and add none. Environments sharing a zone must agree on its plan: it is one zone with one
 * set of limits. Throws EnvironmentConfigError listing every disagreement.
 */
export function edgeZones(envs: readonly EnvironmentConfig[]): EdgeZone[] {
  const byZone = new Map<string, EnvironmentConfig[]>();
  for (const env of envs.filter(isLongLived)) byZone.set(env.cloudflare.zone, [...(byZone.get(env.cloudflare.zone) ?? []), env]);
  const problems: string[] = [];
  const zones = [...byZone.entries()].map(([zone, list]) => {
    const first = list[0]!;
    for (const other of list.slice(1))
      if (other.cloudflare.plan !== first.cloudflare.plan)
        problems.push(
          `${other.name}.cloudflare.plan ${JSON.stringify(other.cloudflare.plan)} differs from ${first.name}.cloudflare.plan ${JSON.stringify(first.cloudflare.plan)} for zone ${zone}; environments sharing a zone must name the zone's one plan`,
        );
    return { zone, plan: first.cloudflare.plan, envs: list };
  });
  if (problems.length) throw new EnvironmentConfigError(problems);
  return zones;
}

export interface EdgeStackProps extends EdgeZone {
  /** Online (S3 state, assumed deploy roles) or offline (local state, dummy AWS credentials). */
  readonly deployment: Deployment;
  /** Adjust the zone's rules (add or replace); receives the defaults. @default the defaults as they are */
  readonly customizeRules?: (defaults: EdgeRules) => EdgeRules;
  /** HSTS max-age in seconds. @default 31536000 */
  readonly hstsMaxAgeSeconds?: number;
}

/**
 * The long-lived edge of one Cloudflare zone (`edge-<zone>`): zone settings, the zone's single
 * ruleset per phase (cache, rate limit, origin-verify header, host redirects) and one ACM
 * certificate per long-lived environment, validated by DNS records in the zone.
 *
 * - Cloudflare provider: the API token comes from `CLOUDFLARE_API_TOKEN` in the deploying
 *   environment (read by the provider itself; never in code or state config).
 * - Zone id: the Terraform variable `cloudflare_zone_id` (validated ^[0-9a-f]{32}$). A variable,
 *   not a `cloudflare_zone` lookup, so the stack needs no Zone-read call to resolve ids and a
 *   wrong zone name cannot silently pick another zone.
 * - AWS: one aliased provider per environment (alias = env name), assuming that environment's
 *   deploy role, because a certificate must live in its ALB's account and region.
 * - Origin secrets: one sensitive variable per secret class, `origin_verify_secret_<class>`
 *   (edgeOriginSecretVariable: prod's; staging's, shared by its previews), each set only on its
 *   class's hosts by its own late-transform rule. The state holds both values in plaintext (the
 *   ruleset header value is not sensitive in provider v5): it lives in prod's bucket, and only
 *   prod's deploy role reads it (docs/edge.md, "Who holds which secret").
 * - State: S3 in the owner environment's bucket (edgeStateOwner: prod), key `edge-<zone>/...`.
 * - Outputs: `certificate_arn_<env>` per long-lived environment (edge-contract.ts).
 * Never planned offline (no Cloudflare provider binary); covered by synth tests and
 * scripts/lib/edge-checks.ts.
 *
 * Cost: $0 on Cloudflare Free (every feature used is in every plan); ACM certificates are free.
 * Tested via: test/edge/edge-stack.test.ts
 */
export class EdgeStack extends TerraformStack {
  readonly zone: string;
  readonly plan: CloudflarePlan;
  readonly zoneId: string;
  readonly rulesets: EdgeRulesets;
  readonly zoneSettings: EdgeZoneSettings;
  readonly certificates: Readonly<Record<string, EdgeCertificate>>;
  /** The secret classes of the zone and the hosts each secret is sent to (one late-transform rule each). */
  readonly origins: readonly OriginSecretRoute[];

  constructor(scope: Construct, props: EdgeStackProps) {
    super(scope, edgeStackName(props.zone));
    const { zone, plan, envs, deployment } = props;
    this.zone = zone;
    this.plan = plan;
    if (!envs.length) throw new ConfigError(this, "envs", `is empty; an edge stack serves at least one long-lived environment of zone ${zone}`);
    for (const env of envs) {
      if (!isLongLived(env)) throw new ConfigError(this, "envs", `includes preview ${env.name}; previews use their base's certificate and the zone's shared rules`);
      if (env.cloudflare.zone !== zone) throw new ConfigError(this, "envs", `includes ${env.name}, which is in zone ${env.cloudflare.zone}, not ${zone}`);
      if (env.cloudflare.plan !== plan) throw new ConfigError(this, "plan", `is ${plan} but ${env.name}.cloudflare.plan is ${env.cloudflare.plan}; environments sharing a zone must agree on its plan`);
    }
    checkValidationRecordsDistinct(this, envs);

    new CloudflareProvider(this, "cloudflare", {});
    const zoneIdVar = new TerraformVariable(this, CLOUDFLARE_ZONE_ID_VARIABLE, {
      type: "string",
      nullable: false,
      description: `Cloudflare zone id of ${zone} (32 lowercase hex; zone overview page)`,
    });
    zoneIdVar.addValidation({ condition: Fn.can(Fn.regex("^[0-9a-f]{32}$", zoneIdVar.stringValue)), errorMessage: `${CLOUDFLARE_ZONE_ID_VARIABLE} must be the 32-hex-digit id of zone ${zone}.` });
    this.zoneId = zoneIdVar.stringValue;
    // One secret per class (prod; staging with its previews), each sent only to its class's hosts.
    const origins = envs.map((env): OriginSecretRoute => {
      const cls = originSecretClass(env);
      const name = edgeOriginSecretVariable(cls);
      const secret = new TerraformVariable(this, name, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Current origin-verify secret of ${cls} (TF_VAR_${name}): Cloudflare adds it to requests for ${cls}'s hosts${cls === PREVIEW_BASE ? " and its previews'" : ""} only`,
      });
      secret.addValidation({
        condition: Fn.can(Fn.regex("^[A-Za-z0-9]{32,128}$", secret.stringValue)),
        errorMessage: `${name} must be 32-128 letters and digits (ALB header values: at most 128 characters, and * and ? are wildcards).`,
      });
      return { cls, secret: secret.stringValue, hosts: originHosts(env), ...(env.name === PREVIEW_BASE ? { previewHosts: previewHostPattern(zone) } : {}) };
    });
    checkOriginRoutesDisjoint(this, origins);
    this.origins = origins;

    const owner = edgeStateOwner(envs, zone);
    useStackBackend(this, this.node.id, owner, deployment, edgeStateLocation(zone, owner.aws));

    this.zoneSettings = new EdgeZoneSettings(this, "zone-settings", { zoneId: this.zoneId, hstsMaxAgeSeconds: props.hstsMaxAgeSeconds });
    const defaults = defaultEdgeRules({
      origins,
      redirects: envs.filter((e) => e.hostnames.redirects.length).map((e) => ({ ref: `${e.name}_redirect_to_app`, from: e.hostnames.redirects, to: e.hostnames.app })),
    });
    const rules = props.customizeRules ? props.customizeRules(defaults) : defaults;
    checkOriginRulesKept(this, defaults, rules);
    this.rulesets = new EdgeRulesets(this, "rulesets", { zoneId: this.zoneId, plan, rules });

    const certificates: Record<string, EdgeCertificate> = {};
    for (const env of envs) {
      const provider = awsProvider(this, env, deployment);
      const cert = new EdgeCertificate(this, `certificate-${env.name}`, {
        names: new Names(env.appName, env.name),
        hostnames: env.hostnames,
        wildcardZone: wildcardZoneOf(env),
        provider,
        zoneId: this.zoneId,
      });
      certificates[env.name] = cert;
      new TerraformOutput(this, certificateOutput(env.name as "prod" | "staging"), {
        value: cert.arn,
        description: `Validated ACM certificate for the ${env.name} ALB (${cert.names.join(", ")})`,
      });
      // A service's own hostname: its own certificate, attached to the listener by the env stack.
      for (const host of hostsWithOwnCertificate(env)) {
        const hostCert = new EdgeCertificate(this, `certificate-${env.name}-${host.replace(/[^a-z0-9]+/g, "-")}`, { names: new Names(env.appName, env.name), hostnames: { app: host, redirects: [] }, provider, zoneId: this.zoneId });
        certificates[`${env.name}/${host}`] = hostCert;
        new TerraformOutput(this, hostCertificateOutput(env.name as "prod" | "staging", host), { value: hostCert.arn, description: `Validated ACM certificate for ${host} on the ${env.name} ALB (extra listener certificate)` });
      }
    }
    this.certificates = certificates;
  }
}

/** AWS provider for one environment, aliased by its name; offline: dummy credentials and skip flags. */
function awsProvider(scope: Construct, env: EnvironmentConfig, deployment: Deployment): AwsProvider {
  const tags = { ...defaultTags(env), component: EDGE_COMPONENT_TAG };
  return new AwsProvider(scope, `aws-${env.name}`, awsProviderConfig(env, deployment, { tags, alias: env.name, sessionName: `cdktf-edge-${env.name}` }));
}

/**
 * ACM derives a validation record's name from the domain and the account: two environments in
 * the SAME account whose certificates share a name would ask for the same record twice, and
 * Cloudflare rejects the duplicate. Caught at synth.
 */
function checkValidationRecordsDistinct(scope: Construct, envs: readonly EnvironmentConfig[]): void {
  const seen = new Map<string, string>();
  for (const env of envs)
    for (const key of new Set([...certificateNames(env.hostnames, wildcardZoneOf(env)), ...hostsWithOwnCertificate(env)].map(validationKey))) {
      const id = `${env.aws.accountId}/${key}`;
      const other = seen.get(id);
      if (other)
        throw new ConfigError(scope, `${env.name}.hostnames`, `needs the ACM validation record for ${key}, which ${other} (same account ${env.aws.accountId}) also creates; put the environments in separate accounts or use distinct names`);
      seen.set(id, env.name);
    }
}

/**
 * The exact hosts a long-lived environment's secret is sent to: its app hostname, its redirects
 * (answered at the edge, but harmless) and every service hostname.
 */
export function originHosts(env: EnvironmentConfig): string[] {
  return [...new Set([env.hostnames.app, ...env.hostnames.redirects, ...serviceHosts(env)])];
}

/**
 * No host may get two classes' secrets: two late-transform rules that both `set` the header would
 * leave the later one's value, and a prod host matching staging's preview pattern would receive
 * staging's secret. Caught at synth, naming the host and both classes.
 */
function checkOriginRoutesDisjoint(scope: Construct, origins: readonly OriginSecretRoute[]): void {
  for (const a of origins)
    for (const b of origins)
      if (a !== b)
        for (const host of a.hosts)
          if (routeMatchesHost(b, host))
            throw new ConfigError(
              scope,
              `${a.cls}.hostnames`,
              `include ${host}, which ${b.cls}'s origin-verify rule also matches${b.previewHosts && !b.hosts.includes(host) ? ` (its preview hosts ${b.previewHosts.prefix}*${b.previewHosts.suffix})` : ""}; each host gets exactly one class's secret: rename the host`,
            );
}

/**
 * customizeRules may add late-transform rules but must keep each class's origin-verify rule as
 * built: dropping one locks its class out (403 everywhere); widening one (`true`) sends that class's
 * secret to every host, and another rule setting the same header overwrites it. Caught at synth.
 */
function checkOriginRulesKept(scope: Construct, defaults: EdgeRules, rules: EdgeRules): void {
  const late = rules.http_request_late_transform ?? [];
  for (const want of defaults.http_request_late_transform ?? []) {
    const got = late.find((r) => r.ref === want.ref);
    if (!got || got.expression !== want.expression || JSON.stringify(got.actionParameters) !== JSON.stringify(want.actionParameters))
      throw new ConfigError(scope, `rules.http_request_late_transform[${want.ref}]`, `was ${got ? "changed" : "removed"} by customizeRules; the origin-verify rules must stay as built (each class's secret on its own hosts only). Add other rules next to them`);
  }
  for (const r of late)
    if (!(defaults.http_request_late_transform ?? []).some((d) => d.ref === r.ref) && r.actionParameters?.headers && Object.keys(r.actionParameters.headers).some((h) => h.toLowerCase() === ORIGIN_VERIFY_HEADER))
      throw new ConfigError(scope, `rules.http_request_late_transform[${r.ref}]`, `sets ${ORIGIN_VERIFY_HEADER}, which only the origin-verify rules may set; remove it`);
}

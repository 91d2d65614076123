/**
 * State wiring for the Cloudflare stacks (edge, <env>-dns), free of Cloudflare imports so AWS
 * stacks can use it. Complements edge-contract.ts:
 *
 * - edge `edge-<zone>` keeps its state in the state bucket of the zone's OWNER environment (the
 *   protected one, i.e. prod; else the first long-lived one), key `edge-<zone>/terraform.tfstate`.
 *   It publishes `certificateOutput(env)` for each long-lived environment of the zone.
 * - env stacks publish `ALB_DNS_NAME_OUTPUT`; `<env>-dns` reads it from the env's state (previews
 *   from their base's), with the env's own deploy role, in the env's own bucket.
 * Order: edge → env → dns; every read goes one way, so the graph is acyclic.
 */
import type { Construct } from "constructs";
import type { TerraformRemoteState } from "cdktf";
import type { EnvironmentConfig, EnvName } from "../environments/types";
import { ownStateLocation, readStackState, type Deployment } from "./deployment";
export { useStackBackend } from "./deployment";
import { certificateOutput, edgeStackName, edgeStateLocation, hostCertificateOutput, hostsWithOwnCertificate, offlineCertificateArn } from "./edge-contract";

/** Output every environment stack publishes (previews: none; they use their base's): the ALB's DNS name. */
export const ALB_DNS_NAME_OUTPUT = "alb_dns_name";

/** Stand-in ALB DNS name for offline seeds. */
export const OFFLINE_ALB_DNS_NAME = "shipkit-offline-alb-0000000000.us-east-1.elb.amazonaws.com";

/**
 * Terraform variable carrying the Cloudflare zone id in the edge and dns stacks
 * (`TF_VAR_cloudflare_zone_id`; 32 lowercase hex, shown on the zone's overview page; not a secret).
 */
export const CLOUDFLARE_ZONE_ID_VARIABLE = "cloudflare_zone_id";

/** Name of the DNS stack of an environment: `prod-dns`, `staging-dns`, `pr-42-dns`. */
export const dnsStackName = (env: EnvName): string => `${env}-dns`;

/** Long-lived (non-preview) environments. */
export const isLongLived = (env: EnvironmentConfig): env is EnvironmentConfig & { name: "prod" | "staging" } => env.preview === undefined;

/**
 * The environment whose state bucket holds the zone's edge state (edge-contract.ts
 * `edgeStateLocation`: prod's bucket): the protected long-lived environment of the zone (prod),
 * else the first long-lived one. Readers in other accounts need
 * read access to that one key (see docs/edge.md).
 */
export function edgeStateOwner(envs: readonly EnvironmentConfig[], zone: string): EnvironmentConfig {
  const inZone = envs.filter((e) => isLongLived(e) && e.cloudflare.zone === zone);
  const owner = inZone.find((e) => e.safetyTier === "protected") ?? inZone[0];
  if (!owner) throw new Error(`no long-lived environment uses Cloudflare zone ${zone}`);
  return owner;
}

/**
 * Reads the edge stack's state of `zone` from `reader`'s stack (the lead's env stacks read the
 * certificate ARN with `state.getString(certificateOutput(env))`). Online: the owner's bucket,
 * with the READER's deploy role (grant it s3:GetObject on the edge key). Offline: the local file
 * `<stateDir>/edge-<zone>.tfstate` (seed it with offlineEdgeOutputs).
 */
export function readEdgeState(scope: Construct, id: string, opts: { readonly zone: string; readonly owner: EnvironmentConfig; readonly reader: EnvironmentConfig; readonly deployment: Deployment }): TerraformRemoteState {
  const stack = edgeStackName(opts.zone);
  return readStackState(scope, id, { stack, location: edgeStateLocation(opts.zone, opts.owner.aws), roleArn: opts.reader.aws.deployRoleArn }, opts.deployment);
}

/** Stand-in outputs of an edge stack for the offline seed state, keyed by output name. */
export function offlineEdgeOutputs(envs: readonly EnvironmentConfig[]): Record<string, string> {
  return Object.fromEntries(
    envs.filter(isLongLived).flatMap((e) => [
      [certificateOutput(e.name), offlineCertificateArn(e.aws.accountId, e.aws.region, e.name)],
      ...hostsWithOwnCertificate(e).map((h) => [hostCertificateOutput(e.name, h), offlineCertificateArn(e.aws.accountId, e.aws.region, `${e.name}-${h.replace(/[^a-z0-9]+/g, "-")}`)]),
    ]),
  );
}

/** Stand-in outputs of an env stack as its dns stack reads them offline. */
export function offlineAlbOutputs(): Record<string, string> {
  return { [ALB_DNS_NAME_OUTPUT]: OFFLINE_ALB_DNS_NAME };
}

/**
 * Reads an environment's published outputs (its ALB DNS name) from its state: `env`'s own state,
 * or its base's for a preview. Same account as the reader, env's deploy role.
 */
export function readEnvironmentState(scope: Construct, env: EnvironmentConfig, deployment: Deployment): TerraformRemoteState {
  const source = env.preview?.base ?? env.name;
  return readStackState(scope, `${source}-state`, { stack: source, location: ownStateLocation(source, env), roleArn: env.aws.deployRoleArn }, deployment);
}

/**
 * State and certificate wiring between the Cloudflare stacks (edge, <env>-dns) and the AWS
 * environment stacks, free of Cloudflare imports so AWS stacks can use it. Complements
 * edge-contract.ts:
 *
 * - edge `edge-<zone>` keeps its state in the state bucket of the zone's OWNER environment (the
 *   protected one, i.e. prod; else the first long-lived one), key `edge-<zone>/terraform.tfstate`.
 *   That state holds every class's origin-verify secret, so NO environment stack reads it: each
 *   finds its ACM certificates (which the edge stack creates in the environment's own account and
 *   region) with an `aws_acm_certificate` lookup (edgeCertificateArn); offline, a stand-in ARN.
 * - env stacks publish `ALB_DNS_NAME_OUTPUT`; `<env>-dns` reads it from the env's state (previews
 *   from their base's), with the env's own deploy role, in the env's own bucket.
 * Order: edge → env → dns; every read goes one way, so the graph is acyclic.
 */
import type { Construct } from "constructs";
import type { TerraformRemoteState } from "cdktf";
import { DataAwsAcmCertificate } from "@cdktf/provider-aws/lib/data-aws-acm-certificate";
import type { EnvironmentConfig, EnvName } from "../environments/types";
import { EDGE_CERTIFICATE_KEY_ALGORITHM, certificateNames } from "../lib/edge/edge-certificates";
import { ownStateLocation, readStackState, type Deployment } from "./deployment";
export { useStackBackend } from "./deployment";
import { edgeStackName, offlineCertificateArn, wildcardZoneOf } from "./edge-contract";

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
 * else the first long-lived one. Only the edge stack itself reads or writes it: it holds every
 * class's origin-verify secret, and environment stacks find their certificates in ACM instead.
 */
export function edgeStateOwner(envs: readonly EnvironmentConfig[], zone: string): EnvironmentConfig {
  const inZone = envs.filter((e) => isLongLived(e) && e.cloudflare.zone === zone);
  const owner = inZone.find((e) => e.safetyTier === "protected") ?? inZone[0];
  if (!owner) throw new Error(`no long-lived environment uses Cloudflare zone ${zone}`);
  return owner;
}

/**
 * The filters of every edge-certificate lookup, chosen so that exactly the certificate the edge
 * stack issued is found (terraform-provider-aws 5.100, data source `aws_acm_certificate`, which
 * matches `domain` against each certificate's primary name only, never its SANs):
 * - `statuses: ["ISSUED"]`: a listener can only use an issued certificate; a replacement still
 *   pending validation is skipped, and most_recent cannot compare two statuses anyway.
 * - `types: ["AMAZON_ISSUED"]`: never an imported or private certificate with the same name.
 * - `keyTypes`: the edge stack's key algorithm (EDGE_CERTIFICATE_KEY_ALGORITHM, one constant for
 *   both). ListCertificates returns only RSA_1024 and RSA_2048 certificates unless told otherwise.
 * - `mostRecent: true`: while a certificate is replaced (create_before_destroy; ACM refuses to
 *   delete the old one while this stack's listener uses it), two ISSUED certificates share the
 *   primary name; without it every plan fails ("multiple ACM Certificates matching domain"), with
 *   it the newest (NotBefore) wins and the listener moves to it. Guardrails acm-lookup-most-recent
 *   and acm-lookup-key-types hold every lookup to this.
 */
export const EDGE_CERTIFICATE_LOOKUP = {
  statuses: ["ISSUED"],
  types: ["AMAZON_ISSUED"],
  keyTypes: [EDGE_CERTIFICATE_KEY_ALGORITHM],
  mostRecent: true,
} as const;

/**
 * Tags the lookup requires of the certificate it found (a postcondition, so a newer certificate of
 * the same name made outside the edge stack fails the plan by name instead of landing on the
 * listener): the edge stack's AWS provider tags each certificate with the environment's default
 * tags and `component: edge` (stacks/edge-stack.ts).
 */
export function edgeCertificateTags(env: Pick<EnvironmentConfig, "appName" | "name">): Record<string, string> {
  return { app: env.appName, environment: env.name, component: EDGE_COMPONENT_TAG };
}

/** The `component` tag of everything the edge stack creates in AWS. */
export const EDGE_COMPONENT_TAG = "edge";

/** Offline stand-in name of a host certificate (the edge stack's former output key). */
const offlineCertificateKey = (env: EnvName, host?: string): string => (host === undefined ? env : `${env}-${host.replace(/[^a-z0-9]+/g, "-")}`);

/**
 * The ARN of the ACM certificate the edge stack issued for a long-lived environment's ALB: its main
 * certificate, or with `host` the certificate of one hostsWithOwnCertificate host. Online, a
 * `data.aws_acm_certificate` `id` in `scope` (the environment's own provider: its account and
 * region, where the edge stack created it) looking up the certificate's primary name with
 * EDGE_CERTIFICATE_LOOKUP; offline (dummy credentials, ACM unreachable), the stand-in
 * offlineCertificateArn. Either way nothing reads the edge stack's state.
 */
export function edgeCertificateArn(scope: Construct, id: string, opts: { readonly env: EnvironmentConfig & { readonly name: "prod" | "staging" }; readonly host?: string; readonly deployment: Deployment }): string {
  const { env, host, deployment } = opts;
  if (deployment.mode === "offline") return offlineCertificateArn(env.aws.accountId, env.aws.region, offlineCertificateKey(env.name, host));
  // The primary name (ACM's DomainName) the edge stack gives the certificate: the first of certificateNames.
  const domain = (host === undefined ? certificateNames(env.hostnames, wildcardZoneOf(env)) : certificateNames({ app: host, redirects: [] }))[0]!;
  const tags = edgeCertificateTags(env);
  const lookup = new DataAwsAcmCertificate(scope, id, {
    domain,
    statuses: [...EDGE_CERTIFICATE_LOOKUP.statuses],
    types: [...EDGE_CERTIFICATE_LOOKUP.types],
    keyTypes: [...EDGE_CERTIFICATE_LOOKUP.keyTypes],
    mostRecent: EDGE_CERTIFICATE_LOOKUP.mostRecent,
    lifecycle: {
      postcondition: [
        {
          condition: `\${${Object.entries(tags).map(([k, v]) => `lookup(self.tags, ${JSON.stringify(k)}, "") == ${JSON.stringify(v)}`).join(" && ")}}`,
          errorMessage: `The newest issued ACM certificate for ${domain} in ${env.name}'s account and region is not the one ${edgeStackName(env.cloudflare.zone)} issued (tags ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(", ")}). Delete or retag the other certificate, or apply ${edgeStackName(env.cloudflare.zone)} first.`,
        },
      ],
    },
  });
  return lookup.arn;
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
  return readStackState(scope, `${source}-state`, { stack: source, location: ownStateLocation(source, env), reader: env }, deployment);
}

/**
 * The contract between the Cloudflare `edge` stack and the AWS environment stacks.
 * Order: edge → env → env-dns. The edge stack owns each environment's ACM certificate (validated
 * by DNS records in the Cloudflare zone, in the environment's own account) and the header transforms
 * that set each class's origin-verify secret on its class's hosts. Env stacks never read the edge
 * state (it holds every class's secret): they find their certificate in ACM, in their own account,
 * and require their class's secret on the ALB.
 */
import type { EnvName } from "../environments/types";
import type { StateLocation } from "./deployment";
import { ORIGIN_VERIFY_HEADER } from "../lib/edge/origin-verify";
import { serviceHosts } from "../environments/service-schema";
import { PREVIEW_BASE } from "../environments/schema";

/** Name of the edge stack of a Cloudflare zone, one per zone: `edge-example-com` for example.com. */
export const edgeStackName = (zone: string): string => `edge-${zone.replace(/[^a-z0-9]+/g, "-")}`;

/** Edge output holding the ACM certificate ARN for a long-lived environment (previews use staging's). */
export const certificateOutput = (env: Exclude<EnvName, `pr-${number}`>): string => `certificate_arn_${env}`;

/** Edge output holding the ACM certificate ARN of one service hostname of a long-lived environment. */
export const hostCertificateOutput = (env: Exclude<EnvName, `pr-${number}`>, host: string): string => `certificate_arn_${env}_${host.replace(/[^a-z0-9]+/g, "_")}`;

/**
 * The wildcard the environment's main ALB certificate carries: staging (the base of every preview)
 * covers `*.<zone>`, so each `pr-<n>-staging.<zone>` host needs no certificate of its own; prod
 * covers only its own hostnames.
 */
export function wildcardZoneOf(env: { readonly name: string; readonly cloudflare: { readonly zone: string } }): string | undefined {
  return env.name === PREVIEW_BASE ? env.cloudflare.zone : undefined;
}

/**
 * Service hostnames that get a certificate of their own, attached to the HTTPS listener as an extra
 * (SNI) certificate: those the main certificate does not already cover (staging's wildcard covers
 * every one-label host). Their own certificates, not extra names on the main one: adding a name
 * would replace the main certificate, and ACM refuses to delete the old one while the listener,
 * in another stack, still uses it.
 */
export function hostsWithOwnCertificate(env: Parameters<typeof serviceHosts>[0] & { readonly name: string; readonly cloudflare: { readonly zone: string } }): string[] {
  const wildcard = wildcardZoneOf(env);
  return serviceHosts(env).filter((h) => !(wildcard && h.endsWith(`.${wildcard}`) && !h.slice(0, -(wildcard.length + 1)).includes(".")));
}

export { ORIGIN_VERIFY_HEADER };

/**
 * Terraform variables of an ENVIRONMENT stack that carry the origin-verify secret of its class at
 * deploy time, from the deploying environment (`TF_VAR_origin_verify_secret`, CI: the GitHub secret
 * githubOriginSecret(class)). Never a literal in code or synthesized JSON. The ALB accepts both
 * values so rotation drops no request.
 */
export const ORIGIN_SECRET_VARIABLE = "origin_verify_secret";
export const ORIGIN_SECRET_PREVIOUS_VARIABLE = "origin_verify_secret_previous";

/**
 * A secret class: the long-lived environment that owns one origin-verify secret. Prod's secret is
 * prod's alone; staging's is shared by staging and every preview (they sit behind staging's ALB).
 */
export type OriginSecretClass = Exclude<EnvName, `pr-${number}`>;

/** The class whose secret `env` accepts: itself, or a preview's base. */
export const originSecretClass = (env: { readonly name: string; readonly preview?: { readonly base: string } }): OriginSecretClass => (env.preview?.base ?? env.name) as OriginSecretClass;

/**
 * Variable of the EDGE stack carrying one class's current secret: `origin_verify_secret_prod`,
 * `origin_verify_secret_staging`. Each is sent only to its class's hosts (host-scoped late-transform
 * rule `origin_verify_<class>`), so staging's value never reaches prod's ALB and the reverse.
 */
export const edgeOriginSecretVariable = (cls: OriginSecretClass): string => `${ORIGIN_SECRET_VARIABLE}_${cls}`;

/**
 * GitHub Actions secret holding a class's current value: `ORIGIN_VERIFY_SECRET_PROD` (an
 * ENVIRONMENT secret of the GitHub environment `prod`, so only approved prod jobs can read it) and
 * `ORIGIN_VERIFY_SECRET_STAGING` (a repository secret: staging, previews, the sweeper). While
 * rotating, `<name>_PREVIOUS` holds the old value (githubPreviousOriginSecret), else it is unset.
 */
export const githubOriginSecret = (cls: OriginSecretClass): string => `ORIGIN_VERIFY_SECRET_${cls.toUpperCase()}`;
export const githubPreviousOriginSecret = (cls: OriginSecretClass): string => `${githubOriginSecret(cls)}_PREVIOUS`;

/**
 * Stand-in values used only by offline plans (never by deploys, which refuse offline mode), one per
 * class so a test can tell them apart in a plan: `offline0prod0…`, `offline0staging0…`.
 */
export const offlineOriginSecret = (cls: OriginSecretClass): string => `offline0${cls}0plan0only0not0a0secret`.padEnd(40, "0");
export const offlineCertificateArn = (accountId: string, region: string, env: string): string =>
  `arn:aws:acm:${region}:${accountId}:certificate/00000000-0000-0000-0000-${env === "prod" ? "000000000001" : "000000000002"}`;

/**
 * Where an edge stack keeps its state: the state bucket of the zone's owner (prod), key
 * `<edge stack>/terraform.tfstate`. It holds both classes' secrets in plaintext, so nothing outside
 * prod's account reads it (no bucket policy grants another account; docs/edge.md "Who holds which secret").
 */
export type EdgeStateLocation = StateLocation;
export const edgeStateLocation = (zone: string, prodAws: { readonly stateBucket: string; readonly region: string }): EdgeStateLocation => ({
  bucket: prodAws.stateBucket,
  key: `${edgeStackName(zone)}/terraform.tfstate`,
  region: prodAws.region,
});

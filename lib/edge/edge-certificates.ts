import { Construct } from "constructs";
import { Fn, TerraformIterator, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import { ConfigError } from "../core/errors";
import type { Names } from "../core/naming";

/**
 * Key algorithm of every edge certificate. The environments find their certificate by an ACM
 * lookup whose `key_types` must name it (stacks/edge-state.ts EDGE_CERTIFICATE_LOOKUP): ACM lists
 * only RSA_1024 and RSA_2048 certificates unless asked for others.
 */
export const EDGE_CERTIFICATE_KEY_ALGORITHM = "RSA_2048";

/** Hostnames an ALB serves: structurally the app's `env.hostnames`, so it passes straight in. */
export interface CertificateHostnames {
  /** The hostname users reach the app on, e.g. `www.example.com`; the certificate's domain name. */
  readonly app: string;
  /** Hostnames that redirect to `app` (e.g. the apex); subject alternative names. `[]` for none. */
  readonly redirects: readonly string[];
}

/**
 * The names an ALB certificate covers, domain name first: the app hostname, the redirects and,
 * with `wildcardZone`, `*.<wildcardZone>` (so hosts one label below the zone that appear later,
 * such as previews' `pr-<n>-staging.<zone>`, need no new certificate). Duplicates dropped.
 */
export function certificateNames(hostnames: CertificateHostnames, wildcardZone?: string): string[] {
  const wildcard = wildcardZone === undefined ? [] : [`*.${wildcardZone}`];
  return [...new Set([hostnames.app, ...hostnames.redirects, ...wildcard])];
}

/** The key of a name's ACM validation record: `*.example.com` and `example.com` share one record. */
export const validationKey = (name: string): string => name.replace(/^\*\./, "");

export interface EdgeCertificateProps {
  /**
   * Naming helper of the environment whose ALB uses the certificate: the certificate's `Name` tag
   * is `names.of("alb")` and the validation records' comments start with `names.envName`.
   */
  readonly names: Names;
  /** Hostnames the certificate covers: `app` is the domain name, `redirects` are SANs. */
  readonly hostnames: CertificateHostnames;
  /**
   * Also cover `*.<wildcardZone>`: every host one label below the zone (hosts made later, such as
   * previews, without a certificate change). Changing it replaces the certificate (before destroy).
   * @default no wildcard: only `hostnames`
   */
  readonly wildcardZone?: string;
  /** AWS provider of the ALB's account and region (ACM certificates must sit beside the ALB). */
  readonly provider: AwsProvider;
  /** Cloudflare zone id the validation records go in (the zone of every name covered). */
  readonly zoneId: string;
}

/**
 * An ALB's ACM certificate, validated by DNS records in the Cloudflare zone.
 * - Records are DNS-only (`proxied: false`; a proxied validation CNAME never validates), with
 *   ACM's trailing dots stripped (provider v5 breaks on them).
 * - `example.com` + `*.example.com` yield the same validation record; records are keyed by the
 *   name without `*.`, so the pair makes one record (Cloudflare rejects duplicates and v5 has no
 *   `allow_overwrite`). The keys are static (from config), so a fresh plan knows every record.
 * - `arn` is the VALIDATED certificate's ARN: readers wait for validation.
 * - `create_before_destroy`: changing names swaps certificates without an ALB outage.
 *
 * @example new EdgeCertificate(this, "cert-prod", { names, hostnames: { app: "www.example.com", redirects: ["example.com"] }, provider, zoneId });
 * Cost: ACM public certificates are free. Tested via: test/edge/edge-certificate.test.ts, test/edge/edge-stack.test.ts
 */
export class EdgeCertificate extends Construct {
  readonly certificate: AcmCertificate;
  readonly validation: AcmCertificateValidation;
  readonly validationRecords: DnsRecord;
  /** ARN of the certificate once validated. */
  readonly arn: string;
  /** Names covered, first is the domain name. */
  readonly names: readonly string[];

  constructor(scope: Construct, id: string, props: EdgeCertificateProps) {
    super(scope, id);
    const { names, provider, zoneId } = props;
    const owner = names.envName;
    if (!props.hostnames.app) throw new ConfigError(this, "hostnames.app", "is empty; it is the certificate's domain name, e.g. www.example.com");
    const [domainName, ...sans] = certificateNames(props.hostnames, props.wildcardZone);
    this.names = [domainName!, ...sans];
    this.certificate = new AcmCertificate(this, "certificate", {
      provider,
      domainName: domainName!,
      subjectAlternativeNames: sans,
      validationMethod: "DNS",
      keyAlgorithm: EDGE_CERTIFICATE_KEY_ALGORITHM,
      tags: { Name: names.of("alb") },
      lifecycle: { createBeforeDestroy: true },
    });
    // for_each keys are STATIC (the distinct names without "*.", known at synth); only the values
    // come from ACM. Iterating domain_validation_options itself fails on a fresh plan with the real
    // AWS provider ("Invalid for_each argument": cdktf wraps the set in toset(tolist(...)), whose
    // keys are unknown until the certificate exists); checked by test/edge/edge-plan.test.ts.
    const keys = [...new Set(this.names.map(validationKey))];
    const it = TerraformIterator.fromMap(Object.fromEntries(keys.map((k) => [k, k])));
    // Validation options grouped by the name without "*." (apex + wildcard share one record).
    const grouped = TerraformIterator.fromList(this.certificate.domainValidationOptions).forExpressionForMap('trimprefix(val.domain_name, "*.")', "val...");
    const first = (attr: string) => Token.asString(Fn.lookup(Fn.element(Fn.lookup(grouped, it.key), 0), attr, ""));
    this.validationRecords = new DnsRecord(this, "validation", {
      forEach: it,
      zoneId,
      name: Fn.trimsuffix(first("resource_record_name"), "."),
      type: first("resource_record_type"),
      content: Fn.trimsuffix(first("resource_record_value"), "."),
      ttl: 60,
      proxied: false,
      comment: `${owner}: ACM validation of the ${owner} ALB certificate`,
      // Provider 5.14 plans CNAME `settings` (ipv4_only, ipv6_only, flatten_cname) as "known after
      // apply" on every plan (issues #5517, #5858; fixed in 5.19): we never set them, so ignore them,
      // and an edge plan (rotate:origin's guard) shows only real changes.
      lifecycle: { ignoreChanges: ["settings"] },
    });
    this.validation = new AcmCertificateValidation(this, "validated", { provider, certificateArn: this.certificate.arn, dependsOn: [this.validationRecords] });
    this.arn = this.validation.certificateArn;
  }
}

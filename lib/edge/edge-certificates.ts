import { Construct } from "constructs";
import { Fn, TerraformIterator, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import type { EnvironmentConfig } from "../../environments/types";
import { ConfigError } from "../core/errors";

/**
 * The names an environment's ALB certificate covers: its app hostname and redirects; staging (the
 * base of every preview) also `*.<zone>`, so each `pr-<n>-staging.<zone>` host is covered.
 */
export function certificateNames(env: EnvironmentConfig): string[] {
  const wildcard = env.name === "staging" ? [`*.${env.cloudflare.zone}`] : [];
  return [...new Set([env.hostnames.app, ...env.hostnames.redirects, ...wildcard])];
}

/** The key of a name's ACM validation record: `*.example.com` and `example.com` share one record. */
export const validationKey = (name: string): string => name.replace(/^\*\./, "");

export interface EdgeCertificateProps {
  /** Long-lived environment whose ALB uses the certificate (prod or staging; previews use staging's). */
  readonly env: EnvironmentConfig;
  /** AWS provider of that environment's account and region (ACM certificates must sit beside the ALB). */
  readonly provider: AwsProvider;
  /** Cloudflare zone id the validation records go in. */
  readonly zoneId: string;
}

/**
 * One environment's ACM certificate, validated by DNS records in the Cloudflare zone.
 * - Records are DNS-only (`proxied: false`; a proxied validation CNAME never validates), with
 *   ACM's trailing dots stripped (provider v5 breaks on them).
 * - `example.com` + `*.example.com` yield the same validation record; records are keyed by the
 *   name without `*.`, so the pair makes one record (Cloudflare rejects duplicates and v5 has no
 *   `allow_overwrite`). The keys are static (from config), so a fresh plan knows every record.
 * - `arn` is the VALIDATED certificate's ARN: readers wait for validation.
 * - `create_before_destroy`: changing names swaps certificates without an ALB outage.
 *
 * @example new EdgeCertificate(this, "cert-prod", { env: prod, provider, zoneId });
 * Cost: ACM public certificates are free. Tested via: test/edge/edge-stack.test.ts
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
    const { env, provider, zoneId } = props;
    if (env.preview) throw new ConfigError(this, "env", `${env.name} is a preview; previews use ${env.preview.base}'s certificate (it covers *.${env.cloudflare.zone})`);
    const [domainName, ...sans] = certificateNames(env);
    this.names = [domainName!, ...sans];
    this.certificate = new AcmCertificate(this, "certificate", {
      provider,
      domainName: domainName!,
      subjectAlternativeNames: sans,
      validationMethod: "DNS",
      keyAlgorithm: "RSA_2048",
      tags: { Name: `${env.appName}-${env.name}-alb` },
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
      comment: `${env.name}: ACM validation of the ${env.name} ALB certificate`,
    });
    this.validation = new AcmCertificateValidation(this, "validated", { provider, certificateArn: this.certificate.arn, dependsOn: [this.validationRecords] });
    this.arn = this.validation.certificateArn;
  }
}

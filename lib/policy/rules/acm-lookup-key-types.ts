import { DataAwsAcmCertificate } from "@cdktf/provider-aws/lib/data-aws-acm-certificate";
import { defineRule, type Finding } from "../rule";

/**
 * Every `data.aws_acm_certificate` names `key_types`: the key algorithm(s) of the certificate it
 * must find. Without it the provider sends ListCertificates no key filter, and ACM then lists only
 * RSA_1024 and RSA_2048 certificates: an ECDSA (or RSA 3072/4096) certificate is never found, and
 * the plan fails with "no ACM Certificate matching domain". A warning: a lookup of an RSA_2048
 * certificate works without it, until the certificate's key algorithm changes.
 */
export const acmLookupKeyTypes = defineRule({
  id: "acm-lookup-key-types",
  severity: "warning",
  kind: "runtime",
  summary: "Every data.aws_acm_certificate names key_types, the key algorithm of the certificate it must find (the certificate's key_algorithm).",
  why: "Without key_types, ListCertificates returns only RSA_1024 and RSA_2048 certificates, so once the certificate is issued with another key algorithm (EC_prime256v1, RSA_4096, ...) the lookup finds nothing and every plan of the reading stack fails with \"no ACM Certificate matching domain\". Naming it puts the dependency next to the certificate's key_algorithm.",
  source: {
    title: "AWS Certificate Manager API Reference: Filters (keyTypes), used by ListCertificates",
    url: "https://docs.aws.amazon.com/acm/latest/APIReference/API_Filters.html",
    quote: "Default filtering returns only RSA_1024 and RSA_2048 certificates that have at least one domain.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const lookup of ctx.all(DataAwsAcmCertificate)) {
      const keyTypes = ctx.resolve(lookup.keyTypesInput);
      if (keyTypes === undefined || (Array.isArray(keyTypes) && keyTypes.length === 0))
        findings.push({
          resource: lookup,
          message: `lookup of ${String(ctx.resolve(lookup.domainInput) ?? "a certificate by tags")} names no key_types: ACM then lists only RSA_1024 and RSA_2048 certificates; set keyTypes to the certificate's key algorithm, e.g. ["RSA_2048"]`,
        });
    }
    return findings;
  },
});

import { DataAwsAcmCertificate } from "@cdktf/provider-aws/lib/data-aws-acm-certificate";
import { defineRule, type Finding } from "../rule";

/** The one certificate status a lookup may ask for: a listener uses only issued certificates. */
export const ACM_LOOKUP_STATUS = "ISSUED";

/**
 * Every `data.aws_acm_certificate` sets `most_recent = true`, and `statuses`, when set, is exactly
 * `["ISSUED"]` (the provider's default).
 *
 * Why both (terraform-provider-aws 5.100, internal/service/acm/certificate_data_source.go): the
 * lookup lists the certificates whose primary name is `domain`; with more than one and
 * `most_recent` false it fails ("multiple ACM Certificates matching domain"), and with
 * `most_recent` it keeps the latest NotBefore but fails on two statuses ("most_recent filtering on
 * different ACM certificate statues is not supported"). Two certificates for one name are what a
 * create_before_destroy replacement leaves while the old one is still attached (ACM refuses to
 * delete a certificate in use), and the new one is PENDING_VALIDATION before it is ISSUED.
 */
export const acmLookupMostRecent = defineRule({
  id: "acm-lookup-most-recent",
  severity: "error",
  kind: "runtime",
  summary: `Every data.aws_acm_certificate sets most_recent = true, and statuses, when set, is exactly ["${ACM_LOOKUP_STATUS}"].`,
  why:
    "While a certificate is replaced (create_before_destroy, e.g. a name added to it), ACM holds two certificates with the same primary name: ACM refuses to delete the old one while a listener still uses it. Without most_recent the lookup then fails (\"multiple ACM Certificates matching domain\") and every plan of the reading stack fails exactly when it must move its listener to the new certificate; with most_recent the newest (NotBefore) wins. most_recent cannot compare certificates of different statuses (the provider fails: \"most_recent filtering on different ACM certificate statues is not supported\"), and the new one is PENDING_VALIDATION until validated: ask for ISSUED only, which is also all a listener accepts.",
  source: {
    title: "Terraform AWS provider 5.100: Data Source aws_acm_certificate, Argument Reference (most_recent)",
    url: "https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/data-sources/acm_certificate",
    quote: "If set to false, it returns an error if more than one certificate is found. Defaults to false.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const lookup of ctx.all(DataAwsAcmCertificate)) {
      const what = `lookup of ${String(ctx.resolve(lookup.domainInput) ?? "a certificate by tags")}`;
      const mostRecent = ctx.resolve(lookup.mostRecentInput);
      if (mostRecent !== true && !(typeof mostRecent === "string" && mostRecent.includes("${")))
        findings.push({ resource: lookup, message: `${what} does not set most_recent = true: it fails whenever two certificates share the name (a replacement in progress); set mostRecent: true` });
      const statuses = ctx.resolve(lookup.statusesInput);
      if (Array.isArray(statuses) && !(statuses.length === 1 && statuses[0] === ACM_LOOKUP_STATUS) && !statuses.some((s) => typeof s === "string" && s.includes("${")))
        findings.push({ resource: lookup, message: `${what} asks for statuses ${JSON.stringify(statuses)}: most_recent cannot compare two statuses and a listener uses only issued certificates; set statuses: ["${ACM_LOOKUP_STATUS}"] or leave it unset` });
    }
    return findings;
  },
});

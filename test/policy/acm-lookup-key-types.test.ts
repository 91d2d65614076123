import { DataAwsAcmCertificate } from "@cdktf/provider-aws/lib/data-aws-acm-certificate";
import { acmLookupKeyTypes as rule } from "../../lib/policy/rules/acm-lookup-key-types";
import { findingsOf, stackWith } from "./helpers";

describe("acm-lookup-key-types", () => {
  test("warns on a lookup naming no key_types (unset or empty), with the domain and the fix", () => {
    const findings = findingsOf(
      rule,
      stackWith((s) => {
        new DataAwsAcmCertificate(s, "unset", { domain: "www.example.com", mostRecent: true });
        new DataAwsAcmCertificate(s, "empty", { domain: "api.example.com", mostRecent: true, keyTypes: [] });
      }),
    );
    expect(rule.severity).toBe("warning");
    expect(findings.map((f) => f.resource.node.id)).toEqual(["unset", "empty"]);
    expect(findings[0]!.message).toMatch(/^lookup of www\.example\.com names no key_types: ACM then lists only RSA_1024 and RSA_2048 certificates; set keyTypes to the certificate's key algorithm/);
  });

  test("quiet when key_types names the algorithm", () => {
    expect(findingsOf(rule, stackWith((s) => void new DataAwsAcmCertificate(s, "ec", { domain: "www.example.com", mostRecent: true, keyTypes: ["EC_prime256v1"] })))).toEqual([]);
  });
});

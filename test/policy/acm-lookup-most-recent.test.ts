import { DataAwsAcmCertificate } from "@cdktf/provider-aws/lib/data-aws-acm-certificate";
import { TerraformVariable } from "cdktf";
import { acmLookupMostRecent as rule } from "../../lib/policy/rules/acm-lookup-most-recent";
import { findingsOf, stackWith } from "./helpers";

describe("acm-lookup-most-recent", () => {
  test("fires on a lookup by domain without most_recent, naming the domain and the fix", () => {
    let lookup: DataAwsAcmCertificate | undefined;
    const findings = findingsOf(rule, stackWith((s) => void (lookup = new DataAwsAcmCertificate(s, "cert", { domain: "www.example.com", keyTypes: ["RSA_2048"] }))));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.resource).toBe(lookup);
    expect(findings[0]!.message).toMatch(/^lookup of www\.example\.com does not set most_recent = true: .*set mostRecent: true$/);
  });

  test("fires on most_recent = false and on statuses other than exactly ISSUED", () => {
    const messages = findingsOf(
      rule,
      stackWith((s) => {
        new DataAwsAcmCertificate(s, "off", { domain: "a.example.com", mostRecent: false });
        new DataAwsAcmCertificate(s, "two", { domain: "b.example.com", mostRecent: true, statuses: ["ISSUED", "PENDING_VALIDATION"] });
        new DataAwsAcmCertificate(s, "pending", { domain: "c.example.com", mostRecent: true, statuses: ["PENDING_VALIDATION"] });
      }),
    ).map((f) => f.message);
    expect(messages).toEqual([
      expect.stringMatching(/^lookup of a\.example\.com does not set most_recent = true/),
      expect.stringMatching(/^lookup of b\.example\.com asks for statuses \["ISSUED","PENDING_VALIDATION"\]: .*set statuses: \["ISSUED"\] or leave it unset$/),
      expect.stringMatching(/^lookup of c\.example\.com asks for statuses \["PENDING_VALIDATION"\]/),
    ]);
  });

  test("quiet for most_recent with statuses unset or exactly ISSUED, and for a most_recent set by a variable", () => {
    const stack = stackWith((s) => {
      new DataAwsAcmCertificate(s, "a", { domain: "a.example.com", mostRecent: true });
      new DataAwsAcmCertificate(s, "b", { domain: "b.example.com", mostRecent: true, statuses: ["ISSUED"], types: ["AMAZON_ISSUED"] });
      const v = new TerraformVariable(s, "latest", { type: "bool" });
      new DataAwsAcmCertificate(s, "c", { domain: "c.example.com", mostRecent: v.booleanValue });
    });
    expect(findingsOf(rule, stack)).toEqual([]);
  });
});

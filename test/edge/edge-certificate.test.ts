import { Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { EdgeCertificate, certificateNames, validationKey, type EdgeCertificateProps } from "../../lib/edge/edge-certificates";
import { Names } from "../../lib/core/naming";
import { bareStack, resources, type SynthJson } from "../helpers";

const ZONE_ID = "0123456789abcdef0123456789abcdef";

/** One EdgeCertificate alone on a bare stack, synthesized with validations. */
function synthCert(patch: Partial<Omit<EdgeCertificateProps, "provider">> = {}): SynthJson & { cert: EdgeCertificate } {
  const stack = bareStack();
  new CloudflareProvider(stack, "cloudflare", {});
  const provider = new AwsProvider(stack, "aws-prod", { region: "us-east-1", alias: "prod" });
  const cert = new EdgeCertificate(stack, "certificate-prod", {
    names: new Names("shipkit", "prod"),
    hostnames: { app: "www.example.com", redirects: ["example.com"] },
    provider,
    zoneId: ZONE_ID,
    ...patch,
  });
  return { ...(JSON.parse(Testing.synth(stack, true)) as SynthJson), cert };
}

describe("certificateNames", () => {
  test("app hostname first, then redirects, then the wildcard; duplicates dropped", () => {
    expect(certificateNames({ app: "www.example.com", redirects: ["example.com"] })).toEqual(["www.example.com", "example.com"]);
    expect(certificateNames({ app: "staging.example.com", redirects: [] }, "example.com")).toEqual(["staging.example.com", "*.example.com"]);
    expect(certificateNames({ app: "www.example.com", redirects: ["example.com", "www.example.com"] }, "example.com")).toEqual(["www.example.com", "example.com", "*.example.com"]);
  });
  test("validationKey: a wildcard and its apex share one record", () => {
    expect(validationKey("*.example.com")).toBe("example.com");
    expect(validationKey("www.example.com")).toBe("www.example.com");
  });
});

describe("EdgeCertificate", () => {
  test("DNS-validated RSA certificate for the hostnames, tagged from names, replaced before destroy", () => {
    const json = synthCert();
    expect(resources(json, "aws_acm_certificate")).toEqual([
      expect.objectContaining({ domain_name: "www.example.com", subject_alternative_names: ["example.com"], validation_method: "DNS", key_algorithm: "RSA_2048", provider: "aws.prod", tags: { Name: "shipkit-prod-alb" }, lifecycle: { create_before_destroy: true } }),
    ]);
    expect(json.cert.names).toEqual(["www.example.com", "example.com"]);
  });

  test("wildcardZone adds *.<zone>; the wildcard and the apex share one validation record", () => {
    const json = synthCert({ names: new Names("shipkit", "staging"), hostnames: { app: "staging.example.com", redirects: [] }, wildcardZone: "example.com" });
    expect(resources(json, "aws_acm_certificate")[0]).toMatchObject({ domain_name: "staging.example.com", subject_alternative_names: ["*.example.com"], tags: { Name: "shipkit-staging-alb" } });
    const [records] = resources(json, "cloudflare_dns_record");
    expect(Object.keys(records!.for_each as object).sort()).toEqual(["example.com", "staging.example.com"]);
    expect(records!.comment).toBe("staging: ACM validation of the staging ALB certificate");
  });

  test("validation records: DNS-only, ttl 60, in the given zone, static keys, comment names the owner", () => {
    const json = synthCert({ hostnames: { app: "www.example.com", redirects: ["example.com"] }, wildcardZone: "example.com" });
    const records = resources(json, "cloudflare_dns_record");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ proxied: false, ttl: 60, zone_id: ZONE_ID, comment: "prod: ACM validation of the prod ALB certificate" });
    // Provider 5.14's perpetual CNAME `settings` drift stays out of every edge plan (rotate:origin's guard).
    expect(records[0]!.lifecycle).toEqual({ ignore_changes: ["settings"] });
    expect(Object.keys(records[0]!.for_each as object).sort()).toEqual(["example.com", "www.example.com"]);
    expect(String(records[0]!.name)).toMatch(/trimsuffix\(.*\.resource_record_name, "\."\)/);
  });

  test("arn is the validated certificate's, validated by the same provider after its records exist", () => {
    const json = synthCert();
    const [validation] = resources(json, "aws_acm_certificate_validation");
    expect(validation).toMatchObject({ provider: "aws.prod" });
    expect((validation!.depends_on as string[])[0]).toMatch(/^cloudflare_dns_record\.certificate-prod_validation_[0-9A-F]+$/);
  });

  test("an empty app hostname is refused", () => {
    expect(() => synthCert({ hostnames: { app: "", redirects: [] } })).toThrow(/certificate-prod: "hostnames\.app" is empty; it is the certificate's domain name/);
  });
});

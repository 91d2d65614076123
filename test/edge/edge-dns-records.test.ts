import { Testing } from "cdktf";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { EdgeDnsRecords, type EdgeDnsRecordsProps } from "../../lib/edge/edge-dns-records";
import { bareStack, resources, type SynthJson } from "../helpers";

const ZONE_ID = "0123456789abcdef0123456789abcdef";
const ALB = "shipkit-prod-alb-123.us-east-1.elb.amazonaws.com";

/** EdgeDnsRecords alone on a bare stack, synthesized with validations. */
function synthRecords(patch: Partial<EdgeDnsRecordsProps> = {}): SynthJson {
  const stack = bareStack();
  new CloudflareProvider(stack, "cloudflare", {});
  new EdgeDnsRecords(stack, "records", {
    hostnames: { app: "www.example.com", redirects: ["example.com"] },
    zone: "example.com",
    zoneId: ZONE_ID,
    target: ALB,
    label: "prod",
    managedBy: "shipkit, prod-dns",
    ...patch,
  });
  return JSON.parse(Testing.synth(stack, true)) as SynthJson;
}

describe("EdgeDnsRecords", () => {
  test("proxied CNAMEs for the app and redirect hostnames to the target, ttl 1, in the zone", () => {
    const rs = resources(synthRecords(), "cloudflare_dns_record");
    expect(rs.map((r) => r.name).sort()).toEqual(["example.com", "www.example.com"]);
    for (const r of rs) expect(r).toMatchObject({ type: "CNAME", content: ALB, proxied: true, ttl: 1, zone_id: ZONE_ID, lifecycle: { ignore_changes: ["settings"] } });
  });

  test("comments start with the label, say what each record is for and who manages it", () => {
    const rs = resources(synthRecords(), "cloudflare_dns_record");
    expect(rs.find((r) => r.name === "www.example.com")!.comment).toBe("prod: app hostname, managed by shipkit, prod-dns");
    expect(rs.find((r) => r.name === "example.com")!.comment).toBe("prod: redirects to the app hostname (edge-stack rule), managed by shipkit, prod-dns");
  });

  test("trailing dots dropped; a name listed twice gets one record", () => {
    const rs = resources(synthRecords({ hostnames: { app: "www.example.com.", redirects: ["www.example.com"] } }), "cloudflare_dns_record");
    expect(rs).toEqual([expect.objectContaining({ name: "www.example.com", comment: expect.stringMatching(/^prod: app hostname/) })]);
  });

  test("no redirects: one record", () => {
    expect(resources(synthRecords({ hostnames: { app: "staging.example.com", redirects: [] }, label: "staging" }), "cloudflare_dns_record")).toHaveLength(1);
  });

  test("a hostname outside the zone is refused", () => {
    expect(() => synthRecords({ hostnames: { app: "www.example.com", redirects: ["example.org"] } })).toThrow(/records: "hostnames" "example\.org" is not in zone example\.com; use a name under example\.com/);
    expect(() => synthRecords({ hostnames: { app: "wwwexample.com", redirects: [] } })).toThrow(/"hostnames" "wwwexample\.com" is not in zone example\.com/);
  });
});

import { Testing } from "cdktf";
import { lifecycleOf, type SafetyTier } from "../../lib/core/lifecycle";
import { Names } from "../../lib/core/naming";
import { Network, type NetworkProps } from "../../lib/network/network";
import { resources, type SynthJson } from "../helpers";

const THREE_AZS = ["us-east-1a", "us-east-1b", "us-east-1c"];
const TWO_AZS = ["us-east-1a", "us-east-1b"];

/** Props of a network in `tier`: 3 AZs per AZ NAT when protected, else 2 AZs and a single NAT. */
const props = (tier: SafetyTier, extra: Partial<NetworkProps> = {}): NetworkProps => {
  const protectedTier = tier === "protected";
  return {
    names: new Names("shipkit", protectedTier ? "prod" : "staging"),
    lifecycle: lifecycleOf(tier),
    cidr: protectedTier ? "10.10.0.0/16" : "10.20.0.0/16",
    availabilityZones: protectedTier ? THREE_AZS : TWO_AZS,
    region: "us-east-1",
    nat: protectedTier ? "per-az" : "single",
    ...extra,
  };
};
const synthNetwork = (tier: SafetyTier, extra: Partial<NetworkProps> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new Network(s, "network", props(tier, extra)))) as SynthJson;

describe("Network", () => {
  test("three subnet tiers per AZ with literal, non-overlapping CIDRs", () => {
    const json = synthNetwork("protected");
    const subnets = resources(json, "aws_subnet");
    expect(subnets).toHaveLength(9);
    const byTier = (tier: string) => subnets.filter((s) => (s.tags as Record<string, string>)["shipkit:tier"] === tier).map((s) => [s.availability_zone, s.cidr_block]);
    expect(byTier("public")).toEqual([["us-east-1a", "10.10.0.0/20"], ["us-east-1b", "10.10.16.0/20"], ["us-east-1c", "10.10.32.0/20"]]);
    expect(byTier("private")).toEqual([["us-east-1a", "10.10.48.0/20"], ["us-east-1b", "10.10.64.0/20"], ["us-east-1c", "10.10.80.0/20"]]);
    expect(byTier("isolated")).toEqual([["us-east-1a", "10.10.96.0/20"], ["us-east-1b", "10.10.112.0/20"], ["us-east-1c", "10.10.128.0/20"]]);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    expect(resources(json, "aws_vpc")).toEqual([expect.objectContaining({ cidr_block: "10.10.0.0/16", enable_dns_hostnames: true, enable_dns_support: true })]);
  });

  test.each([
    ["per-az", "protected", 3],
    ["single", "standard", 1],
  ] as const)("NAT %s builds %i gateways", (nat, tier, count) => {
    const json = synthNetwork(tier, { nat });
    expect(resources(json, "aws_nat_gateway")).toHaveLength(count);
    expect(resources(json, "aws_eip")).toHaveLength(count);
    const natRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(natRoutes).toHaveLength(props(tier).availabilityZones.length);
    if (nat === "per-az") expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(3);
    if (nat === "single") expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(1);
  });

  test("NAT defaults to one gateway per AZ", () => {
    const { nat: _, ...withoutNat } = props("standard");
    const json = JSON.parse(Testing.synthScope((s) => expect(new Network(s, "network", withoutNat).nat).toBe("per-az"))) as SynthJson;
    expect(resources(json, "aws_nat_gateway")).toHaveLength(2);
  });

  test("isolated subnets have no route out", () => {
    const json = synthNetwork("protected");
    const isolatedRt = Object.entries(json.resource!.aws_route_table!).find(([, v]) => (v.tags as Record<string, string>).Name === "shipkit-prod-isolated")![0];
    const routes = resources(json, "aws_route").filter((r) => String(r.route_table_id).includes(isolatedRt));
    expect(routes).toHaveLength(0);
  });

  test("S3 gateway endpoint in the given region, on private and isolated route tables", () => {
    const json = synthNetwork("protected");
    const [endpoint] = resources(json, "aws_vpc_endpoint");
    expect(endpoint).toMatchObject({ service_name: "com.amazonaws.us-east-1.s3", vpc_endpoint_type: "Gateway" });
    expect(endpoint!.route_table_ids).toHaveLength(4);
    expect(resources(synthNetwork("standard", { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] }), "aws_vpc_endpoint")[0]).toMatchObject({ service_name: "com.amazonaws.eu-west-1.s3" });
  });

  test("default security group is stripped of all rules", () => {
    const [sg] = resources(synthNetwork("protected"), "aws_default_security_group");
    expect(sg).toMatchObject({ ingress: [], egress: [] });
  });

  test.each([
    ["protected", "prod", 90],
    ["standard", "staging", 14],
  ] as const)("flow logs of the %s tier go to CloudWatch with its retention", (tier, envName, days) => {
    const json = synthNetwork(tier);
    expect(resources(json, "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: `/shipkit/${envName}/vpc-flow-logs`, retention_in_days: days })]);
    expect(resources(json, "aws_flow_log")).toEqual([expect.objectContaining({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" })]);
  });

  test("an explicit retention overrides the tier", () => {
    expect(resources(synthNetwork("standard", { flowLogRetentionDays: 30 }), "aws_cloudwatch_log_group")[0]).toMatchObject({ retention_in_days: 30 });
  });

  test("the ephemeral tier (previews) builds no network", () => {
    expect(() => synthNetwork("ephemeral")).toThrow(/network: "lifecycle" is the ephemeral tier; ephemeral environments \(previews\) build no network of their own/);
  });

  test("the protected tier refuses a NAT mode without per-AZ redundancy", () => {
    expect(() => synthNetwork("protected", { nat: "single" })).toThrow(/network: "nat" "single" leaves the protected tier without egress in an AZ outage; use "per-az"/);
  });

  test("an unparseable CIDR names the prop", () => {
    expect(() => synthNetwork("standard", { cidr: "nope" })).toThrow(/network: "cidr" "nope" is not an IPv4 CIDR/);
  });

  test("an empty AZ list names the prop", () => {
    expect(() => synthNetwork("standard", { availabilityZones: [] })).toThrow(/network: "availabilityZones" is empty/);
  });
});

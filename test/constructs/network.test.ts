import { Testing } from "cdktf";
import { Names } from "../../lib/core/naming";
import { Network } from "../../lib/network/network";
import { ephemeral, prod, staging } from "../../environments";
import type { EnvironmentConfig } from "../../environments/types";
import { resources, withEnv, type SynthJson } from "../helpers";

const synthNetwork = (env: EnvironmentConfig, extra: Partial<ConstructorParameters<typeof Network>[2]> = {}): SynthJson =>
  JSON.parse(Testing.synthScope((s) => new Network(s, "network", { env, names: new Names(env.appName, env.name), ...extra }))) as SynthJson;

describe("Network", () => {
  test("three subnet tiers per AZ with literal, non-overlapping CIDRs", () => {
    const json = synthNetwork(prod);
    const subnets = resources(json, "aws_subnet");
    expect(subnets).toHaveLength(9);
    const byTier = (tier: string) => subnets.filter((s) => (s.tags as Record<string, string>)["shipkit:tier"] === tier).map((s) => [s.availability_zone, s.cidr_block]);
    expect(byTier("public")).toEqual([["us-east-1a", "10.10.0.0/20"], ["us-east-1b", "10.10.16.0/20"], ["us-east-1c", "10.10.32.0/20"]]);
    expect(byTier("private")).toEqual([["us-east-1a", "10.10.48.0/20"], ["us-east-1b", "10.10.64.0/20"], ["us-east-1c", "10.10.80.0/20"]]);
    expect(byTier("isolated")).toEqual([["us-east-1a", "10.10.96.0/20"], ["us-east-1b", "10.10.112.0/20"], ["us-east-1c", "10.10.128.0/20"]]);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  test.each([
    ["per-az", prod, 3],
    ["single", staging, 1],
  ] as const)("NAT %s builds %i gateways", (nat, env, count) => {
    const json = synthNetwork(env, { nat });
    expect(resources(json, "aws_nat_gateway")).toHaveLength(count);
    expect(resources(json, "aws_eip")).toHaveLength(count);
    const natRoutes = resources(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(natRoutes).toHaveLength(env.aws.availabilityZones.length);
    if (nat === "per-az") expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(3);
    if (nat === "single") expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(1);
  });

  test("isolated subnets have no route out", () => {
    const json = synthNetwork(prod);
    const isolatedRt = Object.entries(json.resource!.aws_route_table!).find(([, v]) => (v.tags as Record<string, string>).Name === "shipkit-prod-isolated")![0];
    const routes = resources(json, "aws_route").filter((r) => String(r.route_table_id).includes(isolatedRt));
    expect(routes).toHaveLength(0);
  });

  test("S3 gateway endpoint on private and isolated route tables", () => {
    const json = synthNetwork(prod);
    const [endpoint] = resources(json, "aws_vpc_endpoint");
    expect(endpoint).toMatchObject({ service_name: "com.amazonaws.us-east-1.s3", vpc_endpoint_type: "Gateway" });
    expect(endpoint!.route_table_ids).toHaveLength(4);
  });

  test("default security group is stripped of all rules", () => {
    const [sg] = resources(synthNetwork(prod), "aws_default_security_group");
    expect(sg).toMatchObject({ ingress: [], egress: [] });
  });

  test.each([
    [prod, 90],
    [staging, 14],
  ])("flow logs of $name go to CloudWatch with tier retention", (env, days) => {
    const json = synthNetwork(env);
    expect(resources(json, "aws_cloudwatch_log_group")).toEqual([expect.objectContaining({ name: `/shipkit/${env.name}/vpc-flow-logs`, retention_in_days: days })]);
    expect(resources(json, "aws_flow_log")).toEqual([expect.objectContaining({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" })]);
  });

  test("an explicit retention overrides the tier", () => {
    expect(resources(synthNetwork(staging, { flowLogRetentionDays: 30 }), "aws_cloudwatch_log_group")[0]).toMatchObject({ retention_in_days: 30 });
  });

  test("previews build no network", () => {
    expect(() => synthNetwork(ephemeral(4))).toThrow(/network: "env" pr-4 is a preview; previews use staging's network/);
  });

  test("the protected tier refuses a NAT mode without per-AZ redundancy", () => {
    expect(() => synthNetwork(prod, { nat: "single" })).toThrow(/network: "nat" "single" leaves the protected tier without egress in an AZ outage; use "per-az"/);
  });

  test("an unparseable CIDR names the prop", () => {
    expect(() => synthNetwork(withEnv(staging, { network: { cidr: "nope" } }))).toThrow(/"env.network.cidr" "nope" is not an IPv4 CIDR/);
  });
});

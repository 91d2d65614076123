import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import type { Lifecycle } from "../core/lifecycle";

/** Subnet tiers every VPC gets: public, private (app), isolated (database). */
export const SUBNET_TIERS = 3;

/** NAT egress for private subnets: one gateway per AZ (HA) or one shared gateway (cheaper, one AZ). */
export type NatMode = "per-az" | "single";
import { ConfigError } from "../core/errors";
import { bitsFor, formatCidr, parseCidr, subnet } from "../core/ipv4";
import type { Names } from "../core/naming";

/** The three subnet tiers, in CIDR order. */
export type SubnetTier = "public" | "private" | "isolated";
const TIERS: readonly SubnetTier[] = ["public", "private", "isolated"];

export interface NetworkProps {
  /** Naming helper of the stack; every resource's `Name` tag and the flow-log group derive from it. */
  readonly names: Names;
  /**
   * Lifecycle of the environment: the protected tier requires `nat: "per-az"`, the ephemeral tier
   * builds no network (it borrows a long-lived one's `NetworkAttributes`), and `flowLogRetentionDays`
   * defaults from it.
   */
  readonly lifecycle: Lifecycle;
  /**
   * VPC IPv4 CIDR in a private range, e.g. `10.20.0.0/16`; /20 or larger for 3 AZs. Subnets are
   * carved from it at synth. Changing it replaces the VPC and everything in it.
   */
  readonly cidr: string;
  /**
   * AZs to spread subnets over, in order (the first hosts the single NAT gateway), e.g.
   * `["us-east-1a", "us-east-1b"]`. Explicit: plans must not need an AZ data source. Changing the
   * list or its order replaces subnets.
   */
  readonly availabilityZones: readonly string[];
  /** AWS region of the VPC, e.g. `us-east-1`; names the S3 gateway endpoint's service. */
  readonly region: string;
  /**
   * NAT egress for private subnets: `"per-az"` (one gateway per AZ, survives an AZ outage) or
   * `"single"` (one shared gateway in the first AZ; cheaper, egress fails with that AZ).
   * The protected tier refuses `"single"`.
   * @default "per-az"
   */
  readonly nat?: NatMode;
  /** Flow-log retention in days. @default the lifecycle's `flowLogRetentionDays` (protected 90, standard 14, ephemeral 3) */
  readonly flowLogRetentionDays?: number;
}

/** Typed view of a network, shared with previews through stack outputs. */
export interface NetworkAttributes {
  /** VPC id. */
  readonly vpcId: string;
  /** VPC IPv4 CIDR, e.g. `10.10.0.0/16`. */
  readonly vpcCidr: string;
  /** Public subnets, one per AZ in AZ order: the ALB and the NAT gateways. */
  readonly publicSubnetIds: string[];
  /** Private (app) subnets, one per AZ: Fargate tasks, egress through NAT. */
  readonly privateSubnetIds: string[];
  /** Isolated subnets, one per AZ, no internet route (S3 gateway endpoint only): the database. */
  readonly isolatedSubnetIds: string[];
}

/**
 * VPC over the environment's AZs with public, private (app) and isolated (database) subnets,
 * NAT per the typed mode, an S3 gateway endpoint (free; keeps S3 traffic off NAT), VPC flow logs
 * to CloudWatch and a default security group stripped of every rule.
 *
 * Subnets are carved at synth: the VPC is split into 2^ceil(log2(AZs x 3)) equal blocks,
 * tier-major (public AZ a, b, c, then private, then isolated), so plans show literal CIDRs.
 *
 * @example
 * new Network(this, "network", { names, lifecycle: lifecycleOf("protected"), cidr: "10.10.0.0/16",
 *   availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], region: "us-east-1", nat: "per-az" });
 * Rough cost at defaults: prod (3 NAT) ~ $100/month + data; staging (1 NAT) ~ $33/month.
 * Tested via: test/constructs/network.test.ts
 */
export class Network extends Construct implements NetworkAttributes {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  readonly isolatedSubnetIds: string[];
  /** The NAT mode in force. */
  readonly nat: NatMode;
  readonly resources: {
    readonly vpc: Vpc;
    readonly subnets: Readonly<Record<SubnetTier, readonly Subnet[]>>;
    readonly natGateways: readonly NatGateway[];
    readonly flowLogGroup: CloudwatchLogGroup;
  };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { names, lifecycle } = props;
    const cfg = {
      nat: props.nat ?? "per-az",
      flowLogRetentionDays: props.flowLogRetentionDays ?? lifecycle.flowLogRetentionDays,
    };
    const azs = props.availabilityZones;
    const cidr = parseCidr(props.cidr);
    if (!cidr) throw new ConfigError(this, "cidr", `${JSON.stringify(props.cidr)} is not an IPv4 CIDR; use e.g. 10.20.0.0/16`);
    if (lifecycle.tier === "ephemeral")
      throw new ConfigError(this, "lifecycle", "is the ephemeral tier; ephemeral environments (previews) build no network of their own, they use a long-lived one's (pass its NetworkAttributes)");
    if (azs.length === 0) throw new ConfigError(this, "availabilityZones", "is empty; list the AZs to spread subnets over, e.g. [\"us-east-1a\", \"us-east-1b\"]");
    if (lifecycle.tier === "protected" && cfg.nat !== "per-az")
      throw new ConfigError(this, "nat", `"${cfg.nat}" leaves the protected tier without egress in an AZ outage; use "per-az"`);
    this.nat = cfg.nat;

    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: names.of("vpc") },
    });
    // An empty default SG: anything that lands in it by accident can talk to nothing.
    new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: names.of("default-do-not-use") } });

    const newBits = bitsFor(azs.length * SUBNET_TIERS);
    const subnets = {} as Record<SubnetTier, Subnet[]>;
    TIERS.forEach((tier, t) => {
      subnets[tier] = azs.map((az, a) => new Subnet(this, `${tier}-${az}`, {
        vpcId: vpc.id,
        availabilityZone: az,
        cidrBlock: formatCidr(subnet(cidr, newBits, t * azs.length + a)),
        mapPublicIpOnLaunch: false,
        tags: { Name: names.of(`${tier}-${az}`), "shipkit:tier": tier },
      }));
    });

    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id, tags: { Name: names.of("igw") } });
    const publicRt = new RouteTable(this, "public-rt", { vpcId: vpc.id, tags: { Name: names.of("public") } });
    new Route(this, "public-default", { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    subnets.public.forEach((s, i) => new RouteTableAssociation(this, `public-rta-${i}`, { subnetId: s.id, routeTableId: publicRt.id }));

    const natCount = cfg.nat === "per-az" ? azs.length : 1;
    const natGateways = Array.from({ length: natCount }, (_, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: "vpc", tags: { Name: names.of(`nat-${azs[i]}`) } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: subnets.public[i]!.id,
        tags: { Name: names.of(`nat-${azs[i]}`) },
        dependsOn: [igw],
      });
    });

    // Private route tables: one per AZ so each AZ egresses through its own NAT (or the single one).
    const privateRts = azs.map((az, i) => {
      const rt = new RouteTable(this, `private-rt-${az}`, { vpcId: vpc.id, tags: { Name: names.of(`private-${az}`) } });
      const nat = natGateways[cfg.nat === "per-az" ? i : 0];
      if (nat) new Route(this, `private-default-${az}`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-rta-${az}`, { subnetId: subnets.private[i]!.id, routeTableId: rt.id });
      return rt;
    });
    // Isolated subnets have no route out at all: the database never needs the internet.
    const isolatedRt = new RouteTable(this, "isolated-rt", { vpcId: vpc.id, tags: { Name: names.of("isolated") } });
    subnets.isolated.forEach((s, i) => new RouteTableAssociation(this, `isolated-rta-${i}`, { subnetId: s.id, routeTableId: isolatedRt.id }));

    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...privateRts.map((rt) => rt.id), isolatedRt.id],
      tags: { Name: names.of("s3") },
    });

    const flowLogGroup = new CloudwatchLogGroup(this, "flow-logs", {
      name: names.logGroup("vpc-flow-logs"),
      retentionInDays: cfg.flowLogRetentionDays,
    });
    const assume = new DataAwsIamPolicyDocument(this, "flow-logs-assume", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "flow-logs-role", { name: names.of("vpc-flow-logs", { max: 64 }), assumeRolePolicy: assume.json });
    const write = new DataAwsIamPolicyDocument(this, "flow-logs-write", {
      statement: [{
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [flowLogGroup.arn, `${flowLogGroup.arn}:*`],
      }],
    });
    new IamRolePolicy(this, "flow-logs-policy", { role: role.id, policy: write.json });
    new FlowLog(this, "flow-log", {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });

    this.vpcId = vpc.id;
    this.vpcCidr = vpc.cidrBlock;
    this.publicSubnetIds = subnets.public.map((s) => s.id);
    this.privateSubnetIds = subnets.private.map((s) => s.id);
    this.isolatedSubnetIds = subnets.isolated.map((s) => s.id);
    this.resources = { vpc, subnets, natGateways, flowLogGroup };
  }
}

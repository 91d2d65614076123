import type { TerraformStack } from "cdktf";
import { TerraformOutput } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { Names } from "../lib/core/naming";

/**
 * The app tasks' security group of one environment (egress only; the ALB ingress is added by the
 * HTTP services, the database admits the group). Created at stack scope under the ids `app-sg` /
 * `app-egress`, which existing deployments already have in state.
 */
export function createAppSecurityGroup(stack: TerraformStack, names: Names, vpcId: string): SecurityGroup {
  const sg = new SecurityGroup(stack, "app-sg", {
    name: names.of("app"),
    description: `App tasks of ${names.envName}`,
    vpcId,
    tags: { Name: names.of("app") },
  });
  new VpcSecurityGroupEgressRule(stack, "app-egress", {
    securityGroupId: sg.id,
    cidrIpv4: "0.0.0.0/0",
    ipProtocol: "-1",
    description: "Outbound via NAT / S3 endpoint",
  });
  new TerraformOutput(stack, "app_security_group_id", { value: sg.id });
  return sg;
}

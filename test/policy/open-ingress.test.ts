import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { openIngress as rule } from "../../lib/policy/rules/open-ingress";
import { findingsOf, stackWith } from "./helpers";

const ingress = (cidr: string, port: number, ipProtocol = "tcp") =>
  stackWith((s) => new VpcSecurityGroupIngressRule(s, "in", { securityGroupId: "sg-1", cidrIpv4: cidr.includes(":") ? undefined : cidr, cidrIpv6: cidr.includes(":") ? cidr : undefined, ipProtocol, fromPort: port, toPort: port }));

describe("open-ingress", () => {
  test("fires on a non-web port open to the world (IPv4 or IPv6)", () => {
    expect(findingsOf(rule, ingress("0.0.0.0/0", 22))[0]?.message).toMatch(/^admits 0\.0\.0\.0\/0 tcp 22-22 on a non-web port/);
    expect(findingsOf(rule, ingress("::/0", 5432))[0]?.message).toMatch(/^admits ::\/0 tcp 5432-5432/);
  });
  test("quiet on 80/443 from the world and on any port from a narrow source", () => {
    expect(findingsOf(rule, ingress("0.0.0.0/0", 443))).toEqual([]);
    expect(findingsOf(rule, ingress("10.0.0.0/16", 22))).toEqual([]);
  });
});

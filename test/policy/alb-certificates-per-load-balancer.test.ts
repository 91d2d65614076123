import { LbListenerCertificate } from "@cdktf/provider-aws/lib/lb-listener-certificate";
import { ALB_EXTRA_CERTIFICATES_MAX, albCertificatesPerLoadBalancer as rule } from "../../lib/policy/rules/alb-certificates-per-load-balancer";
import type { TerraformStack } from "cdktf";
import { findingsOf, stackWith } from "./helpers";

const certificates = (listener: string, n: number, prefix: string) => (s: TerraformStack) => {
  for (let i = 0; i < n; i++) new LbListenerCertificate(s, `${prefix}-${i}`, { listenerArn: listener, certificateArn: `arn:aws:acm:us-east-1:111111111111:certificate/${prefix}-${i}` });
};

describe("alb-certificates-per-load-balancer", () => {
  test("warns on the 26th extra certificate of one listener, naming the count, the quota and the fix", () => {
    const findings = findingsOf(rule, stackWith(certificates("arn:listener/a", ALB_EXTRA_CERTIFICATES_MAX + 1, "a")));
    expect(rule.severity).toBe("warning");
    expect(findings.map((f) => f.resource.node.id)).toEqual([`a-${ALB_EXTRA_CERTIFICATES_MAX}`]);
    expect(findings[0]!.message).toMatch(/^listener arn:listener\/a gets 26 extra certificates; an ALB takes 25 besides its default \(adjustable quota\): request an increase/);
  });

  test("quiet at 25, and counts each listener on its own", () => {
    expect(findingsOf(rule, stackWith(certificates("arn:listener/a", ALB_EXTRA_CERTIFICATES_MAX, "a")))).toEqual([]);
    expect(
      findingsOf(
        rule,
        stackWith((s) => {
          certificates("arn:listener/a", 20, "a")(s);
          certificates("arn:listener/b", 20, "b")(s);
        }),
      ),
    ).toEqual([]);
  });
});

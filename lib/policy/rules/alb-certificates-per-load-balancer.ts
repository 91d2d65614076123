import { LbListenerCertificate } from "@cdktf/provider-aws/lib/lb-listener-certificate";
import { defineRule, type Finding } from "../rule";

/** ELB's default quota of certificates per Application Load Balancer, default certificates excluded. */
export const ALB_EXTRA_CERTIFICATES_MAX = 25;

/**
 * At most 25 extra (SNI) certificates per listener's load balancer: each service hostname the main
 * certificate does not cover adds one `aws_lb_listener_certificate`. Counted per listener ARN in a
 * stack (the kit's ALB has one HTTPS listener). A warning: the quota is adjustable.
 */
export const albCertificatesPerLoadBalancer = defineRule({
  id: "alb-certificates-per-load-balancer",
  severity: "warning",
  kind: "apply-time",
  summary: `An Application Load Balancer carries at most ${ALB_EXTRA_CERTIFICATES_MAX} certificates besides its default one (aws_lb_listener_certificate per listener).`,
  why: "ELB refuses AddListenerCertificates past the quota at apply, and the service whose hostname needed the certificate gets TLS errors; the provider accepts any number, so plan passes. Request a quota increase first, or move hostnames under a wildcard on the main certificate.",
  source: {
    title: "Elastic Load Balancing: Quotas for your Application Load Balancers",
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html",
    quote: "Certificates per Application Load Balancer (excluding default certificates) 25 Yes",
  },
  check: (ctx) => {
    const byListener = new Map<string, LbListenerCertificate[]>();
    for (const cert of ctx.all(LbListenerCertificate)) {
      const listener = String(ctx.resolve(cert.listenerArnInput) ?? "");
      byListener.set(listener, [...(byListener.get(listener) ?? []), cert]);
    }
    const findings: Finding[] = [];
    for (const [listener, certs] of byListener)
      if (certs.length > ALB_EXTRA_CERTIFICATES_MAX)
        findings.push({
          resource: certs[ALB_EXTRA_CERTIFICATES_MAX]!,
          message: `listener ${listener} gets ${certs.length} extra certificates; an ALB takes ${ALB_EXTRA_CERTIFICATES_MAX} besides its default (adjustable quota): request an increase before deploying, or serve the hostnames under the main certificate's wildcard`,
        });
    return findings;
  },
});

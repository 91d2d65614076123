import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { defineRule, type Finding } from "../rule";

/** Provider key of a resource: its `provider` meta-argument (an alias), or the stack's default provider. */
const providerKey = (ctx: { resolve(v: unknown): unknown }, r: IamOpenidConnectProvider): string => {
  const p = r.provider;
  return p ? String(ctx.resolve(p.fqn)) : "default";
};

/**
 * At most one IAM OIDC provider per issuer URL per account: within a stack, two
 * aws_iam_openid_connect_provider resources through the same AWS provider (same account) never
 * share a URL. The GitHub provider belongs in the account's bootstrap stack only.
 */
export const oidcProviderUniqueUrl = defineRule({
  id: "oidc-provider-unique-url",
  severity: "error",
  kind: "apply-time",
  summary: "An issuer URL appears on at most one aws_iam_openid_connect_provider per AWS provider (account) of a stack.",
  why: "terraform plan accepts both; CreateOpenIDConnectProvider refuses the second (EntityAlreadyExists), so the apply fails after creating everything before it. The same holds across stacks: create the GitHub provider once, in the account's bootstrap stack, and refer to its ARN elsewhere.",
  source: {
    title: "IAM API Reference: CreateOpenIDConnectProvider (Url)",
    url: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html",
    quote:
      "You cannot register the same provider multiple times in a single AWS account. If you try to submit a URL that has already been used for an OpenID Connect provider in the AWS account, you will get an error.",
  },
  check: (ctx) => {
    const seen = new Map<string, IamOpenidConnectProvider>();
    const findings: Finding[] = [];
    for (const p of ctx.all(IamOpenidConnectProvider)) {
      const url = ctx.resolve(p.urlInput);
      if (typeof url !== "string" || url.includes("${")) continue;
      // IAM compares the URL without scheme or trailing slash, case-insensitively in the host.
      const key = `${providerKey(ctx, p)} ${url.replace(/^https:\/\//i, "").replace(/\/+$/, "").toLowerCase()}`;
      const first = seen.get(key);
      if (first) findings.push({ resource: p, message: `registers ${url} again (also ${first.node.path}); an account holds one provider per URL: keep one and use its ARN` });
      else seen.set(key, p);
    }
    return findings;
  },
});

import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { oidcProviderUniqueUrl as rule } from "../../lib/policy/rules/oidc-provider-unique-url";
import { findingsOf, stackWith } from "./helpers";

const GITHUB = "https://token.actions.githubusercontent.com";

describe("oidc-provider-unique-url", () => {
  test("fires on a second provider for the same URL in the same account (trailing slash and case ignored)", () => {
    const findings = findingsOf(
      rule,
      stackWith((s) => {
        new IamOpenidConnectProvider(s, "a", { url: GITHUB, clientIdList: ["sts.amazonaws.com"] });
        new IamOpenidConnectProvider(s, "b", { url: "https://Token.Actions.GithubUserContent.com/", clientIdList: ["sts.amazonaws.com"] });
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(/^registers https:\/\/Token\.Actions\.GithubUserContent\.com\/ again \(also s\/a\); an account holds one provider per URL/);
  });

  test("quiet for one provider per URL, and for the same URL through another account's provider", () => {
    expect(findingsOf(rule, stackWith((s) => void new IamOpenidConnectProvider(s, "a", { url: GITHUB, clientIdList: ["sts.amazonaws.com"] })))).toEqual([]);
    const twoAccounts = stackWith((s) => {
      const other = new AwsProvider(s, "other", { region: "us-east-1", alias: "other" });
      new IamOpenidConnectProvider(s, "a", { url: GITHUB, clientIdList: ["sts.amazonaws.com"] });
      new IamOpenidConnectProvider(s, "b", { url: GITHUB, clientIdList: ["sts.amazonaws.com"], provider: other });
    });
    expect(findingsOf(rule, twoAccounts)).toEqual([]);
  });
});

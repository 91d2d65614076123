import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IAM_TRUST_POLICY_MAX, iamRoleTrustPolicySize as rule, policySize } from "../../lib/policy/rules/iam-role-trust-policy-size";
import { findingsOf, stackWith } from "./helpers";

/** A trust policy trusting `n` GitHub subjects, pretty-printed (white space IAM does not count). */
const trust = (n: number): string =>
  JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringLike: { "token.actions.githubusercontent.com:sub": Array.from({ length: n }, (_, i) => `repo:example-org/service-number-${i}:ref:refs/heads/main`) } },
        },
      ],
    },
    null,
    2,
  );

describe("iam-role-trust-policy-size", () => {
  test("white space is not counted", () => expect(policySize('{ "a" : [ 1, 2 ] }')).toBe('{"a":[1,2]}'.length));

  test("fires on a literal trust policy over 2,048 characters, naming its size", () => {
    const findings = findingsOf(rule, stackWith((s) => new IamRole(s, "r", { name: "r", assumeRolePolicy: trust(40) })));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toMatch(new RegExp(`^has a trust policy of \\d+ characters \\(without white space\\), over IAM's ${IAM_TRUST_POLICY_MAX}`));
  });

  test("quiet at the limit when only white space would exceed it, and on references it cannot read", () => {
    const small = trust(30);
    expect(small.length).toBeGreaterThan(IAM_TRUST_POLICY_MAX); // pretty-printed
    expect(policySize(small)).toBeLessThanOrEqual(IAM_TRUST_POLICY_MAX);
    expect(findingsOf(rule, stackWith((s) => new IamRole(s, "r", { name: "r", assumeRolePolicy: small })))).toEqual([]);
    const fromDocument = stackWith((s) => {
      const doc = new DataAwsIamPolicyDocument(s, "d", { statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }] }] });
      new IamRole(s, "r", { name: "r", assumeRolePolicy: doc.json });
    });
    expect(findingsOf(rule, fromDocument)).toEqual([]);
  });
});

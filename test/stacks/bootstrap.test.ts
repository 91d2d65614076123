/**
 * The bootstrap stack of each AWS account: every security property of the state bucket and the
 * roles, asserted on the synthesized JSON, what the roles may do evaluated with a small IAM policy
 * evaluator (explicit deny wins, wildcards as IAM matches them), and a real offline terraform plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { buildApp } from "../../app";
import { ephemeral, prod, staging } from "../../environments";
import { github, oidcSubjects, validateGithub, type GithubRepository } from "../../environments/github";
import { hasPlanRole, OPERATORS, previewDeployRoleArn, validateOperators } from "../../environments/bootstrap";
import { bootstrapStacks } from "../../stacks/bootstrap-app";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { PREVIEW_SERVICE_PREFIXES } from "../../stacks/bootstrap-policies";
import { roleArnOf } from "../../stacks/deployment";
import { DnsStack } from "../../stacks/dns-stack";
import { IAM_INLINE_POLICIES_MAX, IAM_TRUST_POLICY_MAX, policySize } from "../../lib/policy/rules/iam-role-trust-policy-size";
import { findProviderMirror, planStack, pool, terraformEnv, writeCliConfig, type PlanSummary } from "../../scripts/lib/offline";
import { OFFLINE, ONLINE, resources, synthEnv, synthStrict, tempApp, type SynthJson } from "../helpers";
import type { Deployment } from "../../stacks/deployment";

const ALL = [prod, staging];
const REPO = `${github.owner}/${github.name}`;

const build = (envs = [staging], deployment: Deployment = OFFLINE, extra: Partial<ConstructorParameters<typeof BootstrapStack>[1]> = {}) =>
  new BootstrapStack(tempApp(), { envs, allEnvs: ALL, github, deployment, ...extra });
const synth = (envs = [staging], deployment: Deployment = OFFLINE, extra: Partial<ConstructorParameters<typeof BootstrapStack>[1]> = {}): SynthJson => synthStrict(build(envs, deployment, extra));

const stagingJson = synth([staging]);
const prodJson = synth([prod]);

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Doc {
  Statement: Statement[];
}

const roleNamed = (json: SynthJson, name: string) => resources(json, "aws_iam_role").find((r) => r.name === name) as { name: string; assume_role_policy: string } | undefined;
const trustOf = (json: SynthJson, name: string): Doc => JSON.parse(roleNamed(json, name)!.assume_role_policy) as Doc;
const inlinePolicies = (json: SynthJson, roleName: string): Doc[] =>
  resources(json, "aws_iam_role_policy")
    .filter((p) => String(p.role).includes(".name}") && Object.entries(json.resource!.aws_iam_role!).some(([id, r]) => r.name === roleName && String(p.role) === `\${aws_iam_role.${id}.name}`))
    .map((p) => JSON.parse(String(p.policy)) as Doc);

// ---- A small IAM evaluator: explicit Deny wins, then any Allow; otherwise implicitly denied. ----
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string, caseless: boolean): boolean => {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, caseless ? "i" : "");
  return re.test(value);
};
const matchesAction = (s: Statement, action: string) => (s.Action ? list(s.Action).some((a) => glob(a, action, true)) : !list(s.NotAction).some((a) => glob(a, action, true)));
const matchesResource = (s: Statement, resource: string) => (s.Resource ? list(s.Resource).some((r) => glob(r, resource, false)) : !list(s.NotResource).some((r) => glob(r, resource, false)));
/** Whether `docs` allow `action` on `resource` (conditional statements: Allows never count, Denies always do). */
function allowed(docs: Doc[], action: string, resource: string): boolean {
  const statements = docs.flatMap((d) => d.Statement).filter((s) => matchesAction(s, action) && matchesResource(s, resource));
  if (statements.some((s) => s.Effect === "Deny")) return false;
  return statements.some((s) => s.Effect === "Allow" && !s.Condition);
}

const PREVIEW_ROLE = "shipkit-deploy-preview";
const previewDocs = inlinePolicies(stagingJson, PREVIEW_ROLE);
const stagingState = (key: string) => `arn:aws:s3:::${staging.aws.stateBucket}/${key}`;
const prodState = (key: string) => `arn:aws:s3:::${prod.aws.stateBucket}/${key}`;

describe("state bucket", () => {
  const bucket = (json: SynthJson) => resources(json, "aws_s3_bucket")[0]!;
  test("named after aws.stateBucket, never destroyed by a plan", () => {
    expect(bucket(stagingJson)).toMatchObject({ bucket: staging.aws.stateBucket, lifecycle: { prevent_destroy: true } });
    expect(bucket(prodJson)).toMatchObject({ bucket: prod.aws.stateBucket });
  });
  test("versioned, encrypted, owner-enforced, all four public access switches on", () => {
    expect(resources(stagingJson, "aws_s3_bucket_versioning")[0]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(resources(stagingJson, "aws_s3_bucket_server_side_encryption_configuration")[0]).toMatchObject({ rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] });
    expect(resources(stagingJson, "aws_s3_bucket_ownership_controls")[0]).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(resources(stagingJson, "aws_s3_bucket_public_access_block")[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });
  test("noncurrent state versions expire (90 days by default, configurable, at least 1)", () => {
    expect(resources(stagingJson, "aws_s3_bucket_lifecycle_configuration")[0]).toMatchObject({ rule: [expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90 }] })] });
    expect(resources(synth([staging], OFFLINE, { noncurrentVersionDays: 30 }), "aws_s3_bucket_lifecycle_configuration")[0]).toMatchObject({ rule: [expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 30 }] })] });
    expect(() => build([staging], OFFLINE, { noncurrentVersionDays: 0 })).toThrow(/"noncurrentVersionDays" 0 must be a whole number of days, 1 or more/);
  });
  test("the bucket policy denies every request without TLS", () => {
    const policy = JSON.parse(String(resources(stagingJson, "aws_s3_bucket_policy")[0]!.policy)) as Doc;
    expect(policy.Statement).toContainEqual({
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${staging.aws.stateBucket}`, `arn:aws:s3:::${staging.aws.stateBucket}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });
  test("prod's state bucket (prod's state and the edge state: every class's origin-verify secret) grants nothing to anyone, other accounts included", () => {
    const policy = JSON.parse(String(resources(prodJson, "aws_s3_bucket_policy")[0]!.policy)) as Doc;
    // Only the TLS deny: no Allow at all, so no principal of another account (staging's roles, the
    // preview role) reaches it whatever its identity policy says; cross-account access needs both.
    expect(policy.Statement.map((s) => [s.Sid, s.Effect])).toEqual([["DenyInsecureTransport", "Deny"]]);
    expect(JSON.stringify(policy)).not.toContain(staging.aws.accountId);
    const stagingPolicy = JSON.parse(String(resources(stagingJson, "aws_s3_bucket_policy")[0]!.policy)) as Doc;
    expect(stagingPolicy.Statement.filter((s) => s.Effect === "Allow")).toEqual([]);
  });
});

describe("GitHub OIDC provider", () => {
  test("token.actions.githubusercontent.com, audience sts.amazonaws.com, no thumbprints (AWS uses its trusted CAs for GitHub)", () => {
    const providers = resources(stagingJson, "aws_iam_openid_connect_provider");
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(providers[0]).not.toHaveProperty("thumbprint_list");
  });
});

describe("role trust: one exact GitHub subject each, audience sts.amazonaws.com", () => {
  const oidcCondition = (doc: Doc) => doc.Statement.find((s) => s.Action === "sts:AssumeRoleWithWebIdentity")!;
  const subjectOf = (json: SynthJson, role: string) => oidcCondition(trustOf(json, role)).Condition!.StringEquals!["token.actions.githubusercontent.com:sub"];

  test("prod's deploy role trusts only jobs in the GitHub environment prod", () => {
    expect(subjectOf(prodJson, "shipkit-deploy-prod")).toBe(`repo:${REPO}:environment:prod`);
  });
  test("staging's deploy role trusts only the main branch", () => {
    expect(subjectOf(stagingJson, "shipkit-deploy-staging")).toBe(`repo:${REPO}:ref:refs/heads/main`);
  });
  test("the preview role and staging's plan role trust only pull_request runs", () => {
    expect(subjectOf(stagingJson, PREVIEW_ROLE)).toBe(`repo:${REPO}:pull_request`);
    expect(subjectOf(stagingJson, "shipkit-deploy-staging-plan")).toBe(`repo:${REPO}:pull_request`);
  });
  test.each([
    [prodJson, "shipkit-deploy-prod"],
    [stagingJson, "shipkit-deploy-staging"],
    [stagingJson, "shipkit-deploy-staging-plan"],
    [stagingJson, PREVIEW_ROLE],
  ])("%#: StringEquals on aud and sub, the account's provider, itself for the provider's re-assume (the preview role: staging's deploy role; staging's: prod's), and nobody else", (json, role) => {
    const trust = trustOf(json, role);
    const account = json === prodJson ? prod.aws.accountId : staging.aws.accountId;
    expect(trust.Statement).toHaveLength(2);
    const oidc = oidcCondition(trust);
    expect(oidc.Principal).toEqual({ Federated: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com` });
    expect(Object.keys(oidc.Condition!)).toEqual(["StringEquals"]);
    expect(oidc.Condition!.StringEquals!["token.actions.githubusercontent.com:aud"]).toBe("sts.amazonaws.com");
    expect(JSON.stringify(oidc.Condition)).not.toMatch(/[*?]/);
    const self = trust.Statement.find((s) => s.Sid.startsWith("AssumeItself"))!;
    // The preview role may also be assumed by staging's deploy role (sweeper and teardowns from main);
    // staging's deploy role by prod's (the edge stack, deployed by prod's job, has certificates in both).
    const own = `arn:aws:iam::${account}:role/${role}`;
    const assumers = role === PREVIEW_ROLE ? [own, staging.aws.deployRoleArn] : role === "shipkit-deploy-staging" ? [own, prod.aws.deployRoleArn] : own;
    const principals = role === "shipkit-deploy-staging" ? [`arn:aws:iam::${account}:root`, `arn:aws:iam::${prod.aws.accountId}:root`] : `arn:aws:iam::${account}:root`;
    expect(self).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: principals }, Condition: { ArnEquals: { "aws:PrincipalArn": assumers } } });
    expect(policySize(roleNamed(json, role)!.assume_role_policy)).toBeLessThanOrEqual(IAM_TRUST_POLICY_MAX);
  });
  test("prod's account has no preview role and no plan role; staging's no prod role", () => {
    expect(resources(prodJson, "aws_iam_role").map((r) => r.name).sort()).toEqual(["shipkit-deploy-prod"]);
    expect(resources(stagingJson, "aws_iam_role").map((r) => r.name).sort()).toEqual([PREVIEW_ROLE, "shipkit-deploy-staging", "shipkit-deploy-staging-plan"]);
  });
  test("repositories with GitHub's immutable subject claims: owner and repository ids in every subject", () => {
    const json = synth([staging], OFFLINE, { github: { ...github, immutableIds: { ownerId: 123456, repositoryId: 456789 } } });
    expect(subjectOf(json, "shipkit-deploy-staging")).toBe(`repo:${github.owner}-123456/${github.name}-456789:ref:refs/heads/main`);
    expect(subjectOf(json, PREVIEW_ROLE)).toBe(`repo:${github.owner}-123456/${github.name}-456789:pull_request`);
  });
  test("repository owner and name are validated config", () => {
    const bad: GithubRepository = { ...github, owner: "-bad owner" };
    expect(() => validateGithub(bad)).toThrow(/github\.owner "-bad owner" is not a GitHub user or organization name/);
    expect(() => build([staging], OFFLINE, { github: { ...github, name: "shipkit.git" } })).toThrow(/github\.name "shipkit\.git" must not end in \.git/);
  });
});

/**
 * Roles of a bootstrap stack that a pull request's run can assume: directly (a web-identity
 * statement without a `sub` condition, or with one a pull_request token matches, StringLike
 * included), or through another role (an AssumeRole principal that is such a role, or any role of
 * another account, counted as reachable to stay on the safe side). The GitHub environment prod's
 * subject is not presentable: its deployment branch rule admits main only (docs/ci.md). Operators
 * that are IAM users or IAM Identity Center roles (`role/aws-reserved/sso.amazonaws.com/…`, which
 * AWS creates trusting only Identity Center's SAML provider) are people, not reachable; any other
 * role that is not one of the stack's own counts as reachable.
 */
function prReachableRoles(json: SynthJson, accountId: string, repos: readonly GithubRepository[] = [github]): string[] {
  const roles = resources(json, "aws_iam_role") as { name: string; assume_role_policy: string }[];
  const prSubjects = repos.map((r) => oidcSubjects(r).pullRequest);
  const reachable = new Set<string>();
  for (const r of roles) {
    const doc = JSON.parse(r.assume_role_policy) as Doc;
    for (const st of doc.Statement.filter((x) => x.Effect === "Allow" && list(x.Action).includes("sts:AssumeRoleWithWebIdentity"))) {
      const subs = Object.entries(st.Condition ?? {}).flatMap(([op, keys]) => Object.entries(keys).filter(([k]) => k.endsWith(":sub")).flatMap(([, v]) => list(v).map((p) => [op, p] as const)));
      if (!subs.length || subs.some(([op, p]) => prSubjects.some((pr) => (/Like/.test(op) ? glob(p, pr, false) : p === pr)))) reachable.add(r.name);
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of roles.filter((x) => !reachable.has(x.name))) {
      const doc = JSON.parse(r.assume_role_policy) as Doc;
      const principals = doc.Statement.filter((x) => x.Effect === "Allow" && list(x.Action).includes("sts:AssumeRole")).flatMap((x) => list(x.Condition?.ArnEquals?.["aws:PrincipalArn"]));
      const own = (arn: string) => roles.find((o) => arn === `arn:aws:iam::${accountId}:role/${o.name}`);
      const person = (arn: string) => /^arn:aws:iam::[0-9]{12}:(user\/|role\/aws-reserved\/sso\.amazonaws\.com\/)/.test(arn);
      if (principals.some((arn) => (!own(arn) && !person(arn)) || (own(arn) && reachable.has(own(arn)!.name)))) {
        reachable.add(r.name);
        changed = true;
      }
    }
  }
  return [...reachable].sort();
}

describe("prod's account: nothing a pull request can reach (prod's state holds prod's origin-verify secret)", () => {
  test("no role in prod's account trusts a subject a pull_request run can present, directly or through another role", () => {
    expect(prReachableRoles(prodJson, prod.aws.accountId)).toEqual([]);
    const immutable = { ...github, immutableIds: { ownerId: 123456, repositoryId: 456789 } };
    expect(prReachableRoles(synth([prod], OFFLINE, { github: immutable }), prod.aws.accountId, [immutable])).toEqual([]);
  });
  test("every role there trusts only the GitHub environment prod (StringEquals) and itself", () => {
    for (const r of resources(prodJson, "aws_iam_role") as { name: string; assume_role_policy: string }[]) {
      const doc = JSON.parse(r.assume_role_policy) as Doc;
      const oidc = doc.Statement.find((x) => x.Action === "sts:AssumeRoleWithWebIdentity")!;
      expect(oidc.Condition!.StringEquals!["token.actions.githubusercontent.com:sub"]).toBe(oidcSubjects(github).prod);
      const assume = doc.Statement.find((x) => x.Action === "sts:AssumeRole")!;
      expect(assume.Condition!.ArnEquals!["aws:PrincipalArn"]).toBe(`arn:aws:iam::${prod.aws.accountId}:role/${r.name}`);
    }
  });
  test("the check can fail: staging's account has roles a pull request reaches (the preview role, staging's plan role)", () => {
    expect(prReachableRoles(stagingJson, staging.aws.accountId)).toEqual(expect.arrayContaining([PREVIEW_ROLE, "shipkit-deploy-staging-plan"]));
  });
  test("only unprotected long-lived environments get a plan role (staging); prod and previews do not", () => {
    expect([prod, staging, ephemeral(42)].map((e) => [e.name, hasPlanRole(e)])).toEqual([
      ["prod", false],
      ["staging", true],
      ["pr-42", false],
    ]);
    expect(hasPlanRole({ ...staging, safetyTier: "protected" })).toBe(false);
  });
});

/**
 * Whether a trust policy lets `principal` (an IAM role or user ARN) call sts:AssumeRole: an Allow
 * whose AWS principal is the principal's account root (or the ARN itself) and whose every condition
 * holds (ArnEquals on aws:PrincipalArn, Bool on aws:MultiFactorAuthPresent; any other condition
 * counts as not met).
 */
function canAssume(doc: Doc, principal: string, opts: { mfa?: boolean } = {}): boolean {
  const account = /^arn:aws:iam::([0-9]{12}):/.exec(principal)![1]!;
  return doc.Statement.some((st) => {
    if (st.Effect !== "Allow" || !list(st.Action).includes("sts:AssumeRole")) return false;
    const aws = list((st.Principal as { AWS?: string | string[] } | undefined)?.AWS);
    if (!aws.includes(`arn:aws:iam::${account}:root`) && !aws.includes(principal)) return false;
    return Object.entries(st.Condition ?? {}).every(([op, keys]) =>
      Object.entries(keys).every(([key, value]) => {
        if (op === "ArnEquals" && key === "aws:PrincipalArn") return list(value).includes(principal);
        if (op === "Bool" && key === "aws:MultiFactorAuthPresent") return String(opts.mfa ?? false) === list(value)[0];
        return false;
      }),
    );
  });
}

describe("operators: people who may assume the deploy roles and the preview role by hand (runbook, rotate:origin)", () => {
  // One on-call person's IAM Identity Center role in prod's account, listed for both accounts (one set
  // of credentials for a rotation of staging's secret: prod's deploy role for the edge, staging's, the
  // preview role for pr-<n>); an IAM user in staging's account (MFA required).
  const ONCALL = `arn:aws:iam::${prod.aws.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_OnCall_1234567890abcdef`;
  const USER = `arn:aws:iam::${staging.aws.accountId}:user/alice`;
  const STRANGER = `arn:aws:iam::${prod.aws.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_ReadOnly_1234567890abcdef`;
  const prodOps = synth([prod], OFFLINE, { operators: [ONCALL] });
  const stagingOps = synth([staging], OFFLINE, { operators: [ONCALL, USER] });
  const ROLES = [
    ["prod's deploy role", prodOps, prodJson, "shipkit-deploy-prod"],
    ["staging's deploy role", stagingOps, stagingJson, "shipkit-deploy-staging"],
    ["the preview role", stagingOps, stagingJson, PREVIEW_ROLE],
  ] as const;

  test("default: no account lists anyone, and nobody but GitHub and the roles themselves is trusted", () => {
    expect(Object.values(OPERATORS).flat()).toEqual([]);
    for (const [, , json, role] of ROLES) expect(canAssume(trustOf(json, role), ONCALL)).toBe(false);
  });
  test.each(ROLES)("a listed operator can assume %s; someone else of the same account cannot", (_, json, _base, role) => {
    expect(canAssume(trustOf(json, role), ONCALL)).toBe(true);
    expect(canAssume(trustOf(json, role), STRANGER)).toBe(false);
  });
  test("an IAM user operator only with MFA; a role operator needs none (its sign-in carries it)", () => {
    for (const role of ["shipkit-deploy-staging", PREVIEW_ROLE]) {
      expect(canAssume(trustOf(stagingOps, role), USER, { mfa: true })).toBe(true);
      expect(canAssume(trustOf(stagingOps, role), USER, { mfa: false })).toBe(false);
    }
    const users = trustOf(stagingOps, "shipkit-deploy-staging").Statement.find((st) => st.Sid === "OperatorUsersWithMfa")!;
    expect(users).toEqual({
      Sid: "OperatorUsersWithMfa",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${staging.aws.accountId}:root` },
      Action: "sts:AssumeRole",
      Condition: { ArnEquals: { "aws:PrincipalArn": USER }, Bool: { "aws:MultiFactorAuthPresent": "true" } },
    });
    const roles = trustOf(stagingOps, "shipkit-deploy-staging").Statement.find((st) => st.Sid === "Operators")!;
    expect(roles).toEqual({ Sid: "Operators", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${prod.aws.accountId}:root` }, Action: "sts:AssumeRole", Condition: { ArnEquals: { "aws:PrincipalArn": ONCALL } } });
  });
  test("never staging's plan role; nothing else changes (other statements, inline policies, attachments, every other resource)", () => {
    expect(canAssume(trustOf(stagingOps, "shipkit-deploy-staging-plan"), ONCALL)).toBe(false);
    expect(roleNamed(stagingOps, "shipkit-deploy-staging-plan")!.assume_role_policy).toBe(roleNamed(stagingJson, "shipkit-deploy-staging-plan")!.assume_role_policy);
    for (const [withOps, without] of [
      [prodOps, prodJson],
      [stagingOps, stagingJson],
    ] as const) {
      const strip = (json: SynthJson) => {
        const copy = JSON.parse(JSON.stringify(json)) as SynthJson;
        for (const role of Object.values(copy.resource!.aws_iam_role!)) {
          const doc = JSON.parse(String(role.assume_role_policy)) as Doc;
          role.assume_role_policy = JSON.stringify({ ...doc, Statement: doc.Statement.filter((st) => !st.Sid.startsWith("Operator")) });
        }
        return copy.resource;
      };
      expect(strip(withOps)).toEqual(strip(without));
      expect(withOps.resource).not.toEqual(without.resource);
    }
  });
  test("pull_request still reaches nothing in prod's account", () => {
    expect(prReachableRoles(prodOps, prod.aws.accountId)).toEqual([]);
    // The check can fail: an operator that is an ordinary role of another account could be anything's.
    const other = synth([prod], OFFLINE, { operators: [`arn:aws:iam::${staging.aws.accountId}:role/ci-runner`] });
    expect(prReachableRoles(other, prod.aws.accountId)).toEqual(["shipkit-deploy-prod"]);
  });
  test("trust policies still fit IAM's 2,048 characters with a realistic list (iam-role-trust-policy-size); a long list fails the synth", () => {
    const several = [0, 1, 2, 3].map((i) => `arn:aws:iam::${prod.aws.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_OnCall${i}_1234567890abcdef`);
    const json = synth([staging], OFFLINE, { operators: [...several, USER] });
    for (const role of ["shipkit-deploy-staging", PREVIEW_ROLE]) expect(policySize(roleNamed(json, role)!.assume_role_policy)).toBeLessThanOrEqual(IAM_TRUST_POLICY_MAX);
    const many = Array.from({ length: 16 }, (_, i) => `arn:aws:iam::${prod.aws.accountId}:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_OnCall${i}_1234567890abcdef`);
    expect(() => synth([staging], OFFLINE, { operators: many })).toThrow(/\[guardrail:iam-role-trust-policy-size\].*trust policy of \d+ characters/);
  });
  test("an invalid ARN fails validation naming the field (OPERATORS[account][index]), the value and what is wrong", () => {
    const bad = (arn: string) => () => build([staging], OFFLINE, { operators: [arn] });
    expect(bad(`arn:aws:iam::${staging.aws.accountId}:role/*`)).toThrow(/OPERATORS\["222222222222"\]\[0\] "arn:aws:iam::222222222222:role\/\*" contains a wildcard/);
    expect(bad(`arn:aws:sts::${staging.aws.accountId}:assumed-role/AWSReservedSSO_OnCall_1234567890abcdef/alice`)).toThrow(/OPERATORS\["222222222222"\]\[0\] "arn:aws:sts::.*" is an STS session ARN/);
    expect(bad("AWSReservedSSO_OnCall_1234567890abcdef")).toThrow(/OPERATORS\["222222222222"\]\[0\] "AWSReservedSSO_OnCall_1234567890abcdef" is not the full ARN of an IAM role or user/);
    expect(bad("arn:aws:iam::2222:role/oncall")).toThrow(/is not the full ARN of an IAM role or user/);
    expect(bad(`arn:aws:iam::${staging.aws.accountId}:group/admins`)).toThrow(/is not the full ARN of an IAM role or user/);
    expect(() => validateOperators({ "111111111111": [ONCALL, ONCALL] })).toThrow(/OPERATORS\["111111111111"\]\[1\] ".*" is listed twice/);
    expect(() => validateOperators({ "1111": [] })).toThrow(/OPERATORS\["1111"\] "1111" is not a 12-digit AWS account id/);
  });
  test("refused: a role GitHub Actions assumes (it would open the account to its workflows), another partition, an account no environment uses", () => {
    expect(() => build([prod], OFFLINE, { operators: [previewDeployRoleArn(staging)] })).toThrow(/"operators" .*shipkit-deploy-preview.* are roles GitHub Actions assumes/);
    expect(() => build([prod], OFFLINE, { operators: [`${staging.aws.deployRoleArn}-plan`] })).toThrow(/are roles GitHub Actions assumes/);
    expect(() => build([staging], OFFLINE, { operators: [`arn:aws-cn:iam::${staging.aws.accountId}:user/alice`] })).toThrow(/"operators" .* are not in partition aws/);
    expect(() => bootstrapStacks(tempApp(), ALL, OFFLINE, { "333333333333": [ONCALL] })).toThrow(/OPERATORS\["333333333333"\] is not the account of any long-lived environment/);
  });
  test("bootstrapStacks gives each account's stack its own list", () => {
    const stacks = bootstrapStacks(tempApp(), ALL, OFFLINE, { [prod.aws.accountId]: [ONCALL], [staging.aws.accountId]: [USER] });
    const byAccount = Object.fromEntries(stacks.map(({ stack }) => [stack.accountId, synthStrict(stack)]));
    expect(canAssume(trustOf(byAccount[prod.aws.accountId]!, "shipkit-deploy-prod"), ONCALL)).toBe(true);
    expect(canAssume(trustOf(byAccount[staging.aws.accountId]!, "shipkit-deploy-staging"), ONCALL)).toBe(false);
    expect(canAssume(trustOf(byAccount[staging.aws.accountId]!, PREVIEW_ROLE), USER, { mfa: true })).toBe(true);
  });
});

describe("what the preview role may do (IAM evaluation of its policies)", () => {
  test("reads and writes pr-* state keys (and their lock files); reads staging's state", () => {
    expect(allowed(previewDocs, "s3:PutObject", stagingState("pr-42/terraform.tfstate"))).toBe(true);
    expect(allowed(previewDocs, "s3:PutObject", stagingState("pr-42-dns/terraform.tfstate.tflock"))).toBe(true);
    expect(allowed(previewDocs, "s3:GetObject", stagingState("pr-42/terraform.tfstate"))).toBe(true);
    expect(allowed(previewDocs, "s3:GetObject", stagingState("staging/terraform.tfstate"))).toBe(true);
  });
  test("never writes staging's state, nor reads other keys (staging-dns, bootstrap)", () => {
    expect(allowed(previewDocs, "s3:PutObject", stagingState("staging/terraform.tfstate"))).toBe(false);
    expect(allowed(previewDocs, "s3:DeleteObject", stagingState("staging/terraform.tfstate"))).toBe(false);
    expect(allowed(previewDocs, "s3:GetObject", stagingState("staging-dns/terraform.tfstate"))).toBe(false);
    expect(allowed(previewDocs, "s3:GetObject", stagingState("bootstrap-222222222222/terraform.tfstate"))).toBe(false);
  });
  test("is denied prod's state, prod's account and prod's deploy role", () => {
    for (const action of ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]) {
      expect(allowed(previewDocs, action, prodState("prod/terraform.tfstate"))).toBe(false);
      expect(allowed(previewDocs, action, `arn:aws:s3:::${prod.aws.stateBucket}`)).toBe(false);
    }
    expect(allowed(previewDocs, "sts:AssumeRole", prod.aws.deployRoleArn)).toBe(false);
    expect(allowed(previewDocs, "ecs:UpdateService", `arn:aws:ecs:us-east-1:${prod.aws.accountId}:service/shipkit-prod-cluster/shipkit-prod-web`)).toBe(false);
    // Denied explicitly, so even an Allow added later cannot open it.
    const denies = previewDocs.flatMap((d) => d.Statement).filter((s) => s.Effect === "Deny" && s.Action === "*");
    expect(list(denies[0]?.Resource)).toEqual(expect.arrayContaining([`arn:aws:*:*:${prod.aws.accountId}:*`, `arn:aws:s3:::${prod.aws.stateBucket}/*`, prod.aws.deployRoleArn]));
  });
  test("changes only pr roles, never the bootstrap's roles or OIDC provider, nor staging's services and ALB", () => {
    expect(allowed(previewDocs, "iam:PutRolePolicy", "arn:aws:iam::222222222222:role/shipkit-pr-42-web-task")).toBe(true);
    expect(allowed(previewDocs, "iam:PutRolePolicy", "arn:aws:iam::222222222222:role/shipkit-staging-web-task")).toBe(false);
    expect(allowed(previewDocs, "iam:UpdateAssumeRolePolicy", "arn:aws:iam::222222222222:role/shipkit-deploy-preview")).toBe(false);
    expect(allowed(previewDocs, "iam:DeleteOpenIDConnectProvider", "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com")).toBe(false);
    expect(allowed(previewDocs, "s3:PutBucketPolicy", `arn:aws:s3:::${staging.aws.stateBucket}`)).toBe(false);
    expect(allowed(previewDocs, "ecs:UpdateService", "arn:aws:ecs:us-east-1:222222222222:service/shipkit-staging-cluster/shipkit-staging-web")).toBe(false);
    expect(allowed(previewDocs, "ecs:UpdateService", "arn:aws:ecs:us-east-1:222222222222:service/shipkit-staging-cluster/shipkit-pr-42-web")).toBe(true);
    expect(allowed(previewDocs, "elasticloadbalancing:CreateRule", "arn:aws:elasticloadbalancing:us-east-1:222222222222:listener/app/shipkit-staging-alb/1/2")).toBe(true);
    expect(allowed(previewDocs, "elasticloadbalancing:DeleteLoadBalancer", "arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/app/shipkit-staging-alb/1")).toBe(false);
  });
  test("pushes images only to the -previews repositories, never to staging's own", () => {
    expect(allowed(previewDocs, "ecr:PutImage", "arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-web-previews")).toBe(true);
    expect(allowed(previewDocs, "ecr:PutImage", "arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-web")).toBe(false);
  });
  test("covers every resource type a preview stack creates (mapped to IAM service prefixes)", () => {
    const json = synthEnv(ephemeral(42));
    const prefixOf = (type: string): string => {
      const rest = type.replace(/^aws_/, "");
      const map: [RegExp, string][] = [
        [/^ecs_/, "ecs"],
        [/^lb(_|$)|^alb/, "elasticloadbalancing"],
        [/^cloudwatch_log_/, "logs"],
        [/^cloudwatch_event_/, "events"],
        [/^cloudwatch_/, "cloudwatch"],
        [/^scheduler_/, "scheduler"],
        [/^appautoscaling_/, "application-autoscaling"],
        [/^(security_group|vpc_security_group)/, "ec2"],
        [/^iam_/, "iam"],
        [/^s3_/, "s3"],
        [/^sqs_/, "sqs"],
      ];
      return map.find(([re]) => re.test(rest))?.[1] ?? `unmapped:${type}`;
    };
    const prefixes = [...new Set(Object.keys(json.resource ?? {}).map(prefixOf))];
    expect(prefixes.filter((p) => !(PREVIEW_SERVICE_PREFIXES as readonly string[]).includes(p))).toEqual([]);
  });
  test("previews deploy with it: ephemeral(n) carries the preview role, in staging's account", () => {
    expect(ephemeral(42).aws.deployRoleArn).toBe(previewDeployRoleArn(staging));
    expect(previewDeployRoleArn(staging)).toBe(`arn:aws:iam::${staging.aws.accountId}:role/${PREVIEW_ROLE}`);
  });
});

describe("deploy and plan roles", () => {
  test("staging's deploy role is admin of its own account, never writes prod's state nor changes the bootstrap", () => {
    const docs = inlinePolicies(stagingJson, "shipkit-deploy-staging");
    expect(allowed(docs, "rds:CreateDBInstance", "arn:aws:rds:us-east-1:222222222222:db:shipkit-staging-db")).toBe(true);
    expect(allowed(docs, "s3:PutObject", prodState("prod/terraform.tfstate"))).toBe(false);
    expect(allowed(docs, "s3:PutObject", stagingState("staging/terraform.tfstate"))).toBe(true);
    expect(allowed(docs, "iam:UpdateAssumeRolePolicy", staging.aws.deployRoleArn)).toBe(false);
    expect(allowed(docs, "s3:PutBucketVersioning", `arn:aws:s3:::${staging.aws.stateBucket}`)).toBe(false);
    expect(allowed(docs, "s3:PutObject", stagingState("bootstrap-222222222222/terraform.tfstate"))).toBe(false);
  });
  test("plan roles read (ReadOnlyAccess) and the state, write only lock files, never read data or secrets", () => {
    const docs = inlinePolicies(stagingJson, "shipkit-deploy-staging-plan");
    expect(resources(stagingJson, "aws_iam_role_policy_attachment").map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    expect(resources(prodJson, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(allowed(docs, "s3:GetObject", stagingState("staging/terraform.tfstate"))).toBe(true);
    // Env stacks read no other account's state any more: not prod's edge state, not prod's.
    expect(allowed(docs, "s3:GetObject", prodState("edge-example-com/terraform.tfstate"))).toBe(false);
    expect(allowed(docs, "s3:GetObject", prodState("prod/terraform.tfstate"))).toBe(false);
    expect(allowed(docs, "s3:PutObject", stagingState("staging/terraform.tfstate.tflock"))).toBe(true);
    expect(allowed(docs, "s3:PutObject", stagingState("staging/terraform.tfstate"))).toBe(false);
    expect(allowed(docs, "s3:GetObject", "arn:aws:s3:::shipkit-staging-uploads/user/file.pdf")).toBe(false);
    expect(allowed(docs, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:222222222222:secret:shipkit-staging-db-master-abc")).toBe(false);
  });
  test("plan roles may call what an aws_acm_certificate data source needs (env stacks find their certificate with one)", () => {
    const docs = inlinePolicies(stagingJson, "shipkit-deploy-staging-plan");
    const certificate = `arn:aws:acm:us-east-1:${staging.aws.accountId}:certificate/00000000-0000-0000-0000-000000000002`;
    expect(allowed(docs, "acm:ListCertificates", "*")).toBe(true);
    expect(allowed(docs, "acm:DescribeCertificate", certificate)).toBe(true);
    expect(allowed(docs, "acm:ListTagsForCertificate", certificate)).toBe(true);
    // The data source fills certificate and certificate_chain (public parts) with GetCertificate.
    expect(allowed(docs, "acm:GetCertificate", certificate)).toBe(true);
    // Reads only: never the private key export nor a change.
    expect(allowed(docs, "acm:ExportCertificate", certificate)).toBe(false);
    expect(allowed(docs, "acm:DeleteCertificate", certificate)).toBe(false);
  });
  test("every role's inline policies fit IAM's 10,240 characters", () => {
    for (const [json, role] of [[stagingJson, PREVIEW_ROLE], [stagingJson, "shipkit-deploy-staging-plan"], [prodJson, "shipkit-deploy-prod"]] as const)
      expect(inlinePolicies(json, role).reduce((n, d) => n + policySize(JSON.stringify(d)), 0)).toBeLessThanOrEqual(IAM_INLINE_POLICIES_MAX);
  });
  test("SHIPKIT_ROLE=plan (role: plan) points staging at the plan role its bootstrap creates; previews keep theirs", () => {
    const plan: Deployment = { mode: "online", role: "plan" };
    expect(roleArnOf(staging, plan)).toBe("arn:aws:iam::222222222222:role/shipkit-deploy-staging-plan");
    expect(roleNamed(stagingJson, "shipkit-deploy-staging-plan")).toBeDefined();
    expect(roleArnOf(staging, ONLINE)).toBe(staging.aws.deployRoleArn);
    expect(roleArnOf(ephemeral(42), plan)).toBe(previewDeployRoleArn(staging));
    // Prod has no plan role: its stacks (and prod-dns's read of prod's state) keep the deploy role,
    // which no pull request can assume; never a role ARN the bootstrap does not create.
    expect(roleArnOf(prod, plan)).toBe(prod.aws.deployRoleArn);
    const prodDns = JSON.stringify(Testing.synth(new DnsStack(Testing.app(), { env: prod, deployment: plan })));
    expect(prodDns).not.toContain(`${prod.aws.deployRoleArn}-plan`);
    expect(prodDns).toContain(prod.aws.deployRoleArn);
  });
});

describe("provider and state", () => {
  test("online: ambient credentials (no deploy role), guarded by allowed_account_ids; local state first", () => {
    const json = synth([staging], ONLINE);
    const provider = json.provider!.aws![0]!;
    expect(provider).toMatchObject({ region: "us-east-1", allowed_account_ids: [staging.aws.accountId] });
    expect(provider).not.toHaveProperty("assume_role");
    expect(json.terraform?.backend).toEqual({ local: { path: path.resolve(".bootstrap-state", "bootstrap-222222222222.tfstate") } });
  });
  test("online after migration: the bucket it created, key bootstrap-<account>, native lock file, no role", () => {
    const json = synth([prod], ONLINE, { state: "bucket" });
    expect(json.terraform?.backend).toEqual({ s3: { bucket: prod.aws.stateBucket, key: "bootstrap-111111111111/terraform.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true } });
  });
  test("one account per stack", () => {
    expect(() => build([prod, staging])).toThrow(/"envs" mixes accounts or regions/);
  });
  test("buildApp registers one bootstrap stack per account as an AWS stack, first", () => {
    const { stacks } = buildApp({ deployment: OFFLINE, outdir: fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bootstrap-app-")) });
    expect(stacks.slice(0, 2).map((s) => [s.name, s.provider, s.env.name])).toEqual([
      ["bootstrap-111111111111", "aws", "prod"],
      ["bootstrap-222222222222", "aws", "staging"],
    ]);
  });
});

describe("offline terraform plan (real AWS provider 5.100.0)", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-bootstrap-plan-"));
  const summaries: Record<string, PlanSummary> = {};
  beforeAll(async () => {
    const env = terraformEnv(writeCliConfig(findProviderMirror(process.env.SHIPKIT_PROVIDER_MIRROR), work), process.env);
    const stacks = [[staging], [prod]].map((envs) => new BootstrapStack(tempApp(), { envs, allEnvs: ALL, github, deployment: { mode: "offline", stateDir: path.join(work, "state") } }));
    const results = await pool(stacks.map((stack) => () => planStack(stack.node.id, path.join(Testing.fullSynth(stack), "stacks", stack.node.id), env, { review: "counts" })), 2);
    for (const r of results) summaries[r.stack] = r;
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("bootstrap-222222222222 (staging) plans: bucket and its settings, OIDC provider, three roles, nothing destroyed", () => {
    const summary = summaries["bootstrap-222222222222"]!;
    expect(summary.error ?? "").toBe("");
    expect(summary.ok).toBe(true);
    expect(summary.toAdd).toMatchObject({
      aws_s3_bucket: 1,
      aws_s3_bucket_versioning: 1,
      aws_s3_bucket_server_side_encryption_configuration: 1,
      aws_s3_bucket_public_access_block: 1,
      aws_s3_bucket_ownership_controls: 1,
      aws_s3_bucket_lifecycle_configuration: 1,
      aws_s3_bucket_policy: 1,
      aws_iam_openid_connect_provider: 1,
      aws_iam_role: 3,
      aws_iam_role_policy: 3,
      aws_iam_role_policy_attachment: 1,
    });
    expect(summary.counts.destroy).toBe(0);
  });

  test("bootstrap-111111111111 (prod) plans: bucket (TLS-only policy, no cross-account grant), provider, the deploy role alone", () => {
    const summary = summaries["bootstrap-111111111111"]!;
    expect(summary.error ?? "").toBe("");
    expect(summary.ok).toBe(true);
    expect(summary.toAdd).toMatchObject({ aws_s3_bucket: 1, aws_s3_bucket_policy: 1, aws_iam_openid_connect_provider: 1, aws_iam_role: 1, aws_iam_role_policy: 1 });
    expect(summary.toAdd).not.toHaveProperty("aws_iam_role_policy_attachment");
    expect(summary.counts.destroy).toBe(0);
  });
});

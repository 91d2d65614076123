import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { ConfigError } from "../core/errors";
import { IAM_INLINE_POLICIES_MAX, policySize } from "../policy/rules/iam-role-trust-policy-size";

/** One IAM policy statement, as IAM's JSON has it. */
export interface PolicyStatement {
  /** Statement id: says what the statement is for. */
  readonly Sid: string;
  /** Allow or Deny (an explicit Deny wins over every Allow). */
  readonly Effect: "Allow" | "Deny";
  /** Actions matched (IAM wildcards). */
  readonly Action?: string | readonly string[];
  /** Every action but these. */
  readonly NotAction?: string | readonly string[];
  /** ARNs matched (IAM wildcards). */
  readonly Resource?: string | readonly string[];
  /** Every resource but these. */
  readonly NotResource?: string | readonly string[];
  /** Conditions by operator, then key. */
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** A whole IAM policy document. */
export interface PolicyDocument {
  /** The policy language version. */
  readonly Version: "2012-10-17";
  /** The statements. */
  readonly Statement: readonly PolicyStatement[];
}

/** Builds a policy document from statements. */
export const policyDocument = (statements: readonly PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

export interface GithubOidcRoleProps {
  /** Role name (64 characters at most). */
  readonly roleName: string;
  /** 12-digit account the role lives in. */
  readonly accountId: string;
  /** AWS partition of the ARNs. @default "aws" */
  readonly partition?: string;
  /** The GitHub OIDC provider's ARN (the provider must exist first: pass it in `dependsOn` too). */
  readonly providerArn: string;
  /** The provider's host, `token.actions.githubusercontent.com`: the prefix of the condition keys. */
  readonly providerHost: string;
  /** The audience the token must carry, `sts.amazonaws.com` for aws-actions/configure-aws-credentials. */
  readonly audience: string;
  /** The exact `sub` claim trusted, e.g. `repo:octo/app:environment:prod` (no wildcards: StringEquals). */
  readonly subject: string;
  /** What the role may do: inline policies by name (IAM's 10,240-character total applies). */
  readonly policies: Readonly<Record<string, PolicyDocument>>;
  /** AWS managed policies attached (e.g. ReadOnlyAccess for plan roles). @default none */
  readonly managedPolicyArns?: readonly string[];
  /** Longest session in seconds, 3600–43200. @default 3600 */
  readonly maxSessionSeconds?: number;
  /** Role description shown in the console. */
  readonly description: string;
  /**
   * Other roles (ARNs, this account or another) that may assume this one: staging's deploy role
   * tearing previews down from the scheduled sweeper (runs on main); prod's deploy role deploying
   * the edge stack, which also assumes staging's. @default none: only itself
   */
  readonly assumableBy?: readonly string[];
  /**
   * People's principals (full IAM role or user ARNs, any account of the partition; validated by
   * environments/bootstrap.ts `operatorArnSchema`) that may assume this role by hand: the
   * runbook's manual deploys and `npm run rotate:origin`. Roles in one statement (`Operators`), IAM
   * users in another that also requires MFA (`OperatorUsersWithMfa`, `aws:MultiFactorAuthPresent`):
   * a role such as an IAM Identity Center permission set carries its sign-in's MFA already.
   * @default none
   */
  readonly operators?: readonly string[];
  /** Resources to create first (the OIDC provider). @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An IAM role GitHub Actions assumes with its OIDC token (aws-actions/configure-aws-credentials),
 * trusting exactly one `sub` claim and the `sts.amazonaws.com` audience, as AWS's "Configuring a
 * role for GitHub OIDC identity provider" requires: "Make sure to include the sub condition key
 * in your role trust policy ... Without the condition key, any GitHub user or repository could
 * potentially assume the role" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub).
 * `StringEquals` on both keys: `sub` is an exact value here, never a pattern.
 *
 * The trust also lets the role assume itself: CI receives the role's credentials from OIDC and
 * Terraform's provider then assumes the environment's deploy role, the same one. Since 2022 a role
 * no longer trusts itself implicitly ("Announcing an update to IAM role trust policy behavior",
 * https://aws.amazon.com/blogs/security/announcing-an-update-to-iam-role-trust-policy-behavior/),
 * so the statement names the account and matches `aws:PrincipalArn` (a role cannot name itself as
 * principal before it exists).
 *
 * Operators (people, by hand: the runbook, `npm run rotate:origin`) may be trusted too, in their own
 * statements (`operators`).
 *
 * Trust and inline policies are literal JSON, so their sizes are checked at synth (trust: the
 * `iam-role-trust-policy-size` guardrail; inline total here).
 *
 * @example new GithubOidcRole(this, "prod", { roleName: "shipkit-deploy-prod", subject: "repo:octo/app:environment:prod", ... });
 * Cost: none (IAM is free). Tested via: test/stacks/bootstrap.test.ts
 */
export class GithubOidcRole extends Construct {
  readonly role: IamRole;
  /** The role's ARN (literal). */
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: GithubOidcRoleProps) {
    super(scope, id);
    if (props.roleName.length > 64) throw new ConfigError(this, "roleName", `${JSON.stringify(props.roleName)} is ${props.roleName.length} characters; IAM role names are at most 64`);
    if (/[*?]/.test(props.subject) || !/^repo:[^:]+\/[^:]+:.+$/.test(props.subject))
      throw new ConfigError(this, "subject", `${JSON.stringify(props.subject)} must be one exact GitHub sub claim (repo:<owner>/<repo>:<context>), no wildcards`);
    const seconds = props.maxSessionSeconds ?? 3600;
    if (seconds < 3600 || seconds > 43200) throw new ConfigError(this, "maxSessionSeconds", `${seconds} must be 3600–43200 (IAM limits)`);
    const inlineTotal = Object.values(props.policies).reduce((n, p) => n + policySize(JSON.stringify(p)), 0);
    const operators = props.operators ?? [];
    const invalid = operators.filter((a) => !/^arn:[^:*?]+:iam::[0-9]{12}:(role|user)\/[^*?]+$/.test(a));
    if (invalid.length) throw new ConfigError(this, "operators", `${JSON.stringify(invalid)} must be full IAM role or user ARNs, no wildcards`);
    const wrongPartition = operators.filter((a) => !a.startsWith(`arn:${props.partition ?? "aws"}:`));
    if (wrongPartition.length) throw new ConfigError(this, "operators", `${JSON.stringify(wrongPartition)} are not in partition ${props.partition ?? "aws"}: a role trusts principals of its own partition only`);
    if (inlineTotal > IAM_INLINE_POLICIES_MAX)
      throw new ConfigError(this, "policies", `total ${inlineTotal} characters (without white space); IAM allows ${IAM_INLINE_POLICIES_MAX} for all inline policies of a role: merge statements or move some to a managed policy`);
    const partition = props.partition ?? "aws";
    this.roleArn = `arn:${partition}:iam::${props.accountId}:role/${props.roleName}`;
    const trust = policyDocumentWithPrincipals([
      {
        Sid: "GitHubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: props.providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringEquals: { [`${props.providerHost}:aud`]: props.audience, [`${props.providerHost}:sub`]: props.subject } },
      },
      {
        Sid: props.assumableBy?.length ? "AssumeItselfAndListedRoles" : "AssumeItself",
        Effect: "Allow",
        // The accounts, narrowed to the roles by aws:PrincipalArn (a role named as principal must exist).
        Principal: { AWS: accountsOf([this.roleArn, ...(props.assumableBy ?? [])], partition) },
        Action: "sts:AssumeRole",
        Condition: { ArnEquals: { "aws:PrincipalArn": props.assumableBy?.length ? [this.roleArn, ...props.assumableBy] : this.roleArn } },
      },
      ...operatorStatements(operators, partition),
    ]);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: JSON.stringify(trust),
      maxSessionDuration: seconds,
      dependsOn: props.dependsOn,
    });
    for (const [name, doc] of Object.entries(props.policies)) new IamRolePolicy(this, `policy-${name}`, { name, role: this.role.name, policy: JSON.stringify(doc) });
    (props.managedPolicyArns ?? []).forEach((arn, i) => new IamRolePolicyAttachment(this, `managed-${i}`, { role: this.role.name, policyArn: arn }));
  }
}

/**
 * The operators' trust statements: their accounts as principal, narrowed by `aws:PrincipalArn`
 * (ArnEquals, exact ARNs) like the role's own statement; IAM users only with MFA
 * (`aws:MultiFactorAuthPresent` must be "true": absent, as with long-term access keys alone, it
 * does not match). None when there are no operators of that kind.
 */
function operatorStatements(operators: readonly string[], partition: string): TrustStatement[] {
  const users = operators.filter((a) => /:user\//.test(a));
  const roles = operators.filter((a) => !users.includes(a));
  const one = (arns: readonly string[]): string | readonly string[] => (arns.length === 1 ? arns[0]! : arns);
  const statements: TrustStatement[] = [];
  if (roles.length) statements.push({ Sid: "Operators", Effect: "Allow", Principal: { AWS: accountsOf(roles, partition) }, Action: "sts:AssumeRole", Condition: { ArnEquals: { "aws:PrincipalArn": one(roles) } } });
  if (users.length)
    statements.push({
      Sid: "OperatorUsersWithMfa",
      Effect: "Allow",
      Principal: { AWS: accountsOf(users, partition) },
      Action: "sts:AssumeRole",
      Condition: { ArnEquals: { "aws:PrincipalArn": one(users) }, Bool: { "aws:MultiFactorAuthPresent": "true" } },
    });
  return statements;
}

/** A trust policy statement: a statement with a principal. */
type TrustStatement = PolicyStatement & { readonly Principal: unknown };

/** The account root ARNs of some role (or user) ARNs: one string for one account (as IAM prints it), else a list. */
function accountsOf(roleArns: readonly string[], partition: string): string | string[] {
  const accounts = [...new Set(roleArns.map((arn) => /^arn:[^:]+:iam::([0-9]{12}):/.exec(arn)?.[1]).filter((a): a is string => a !== undefined))];
  const roots = accounts.map((a) => `arn:${partition}:iam::${a}:root`);
  return roots.length === 1 ? roots[0]! : roots;
}

/** A trust policy document: statements with principals (identity policies have none). */
const policyDocumentWithPrincipals = (statements: readonly (PolicyStatement & { readonly Principal: unknown })[]) => ({ Version: "2012-10-17", Statement: statements });

import { z } from "zod";
import { EnvironmentConfigError } from "./validate";

/**
 * The GitHub repository whose Actions workflows deploy this kit (.github/workflows/, docs/ci.md):
 * the deploy roles of stacks/bootstrap-stack.ts trust only its OIDC tokens. Validated with zod like
 * every environment. Tested via: test/stacks/bootstrap.test.ts
 */
export const githubRepositorySchema = z.object({
  /** Owner (user or organization) exactly as GitHub spells it: the OIDC `sub` claim compares case-sensitively. */
  owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "is not a GitHub user or organization name (1–39 letters, digits or single dashes, not starting or ending with one)"),
  /** Repository name, e.g. `shipkit` (no owner, no `.git`). */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "is not a GitHub repository name (1–100 letters, digits, '.', '_' or '-'; no owner and no .git)").refine((n) => !n.endsWith(".git") && n !== "." && n !== "..", "must not end in .git or be . or .."),
  /**
   * GitHub environment whose jobs may deploy prod (`environment: prod` in deploy.yml). Its
   * protection rules (required reviewers, deployment branch `main`) are what keep prod deploys to
   * approved runs of main: the prod role trusts only tokens of jobs in this environment.
   */
  prodEnvironment: z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, "is not a GitHub environment name"),
  /** Branch staging deploys from (push to it runs deploy.yml). */
  mainBranch: z.string().regex(/^[A-Za-z0-9._/-]{1,255}$/, "is not a branch name"),
  /**
   * Numeric ids of the owner and the repository, for GitHub's immutable subject claims:
   * repositories created (or renamed, transferred) after 2026-06-18, and those opted in, get
   * `repo:<owner>-<ownerId>/<name>-<repositoryId>:...` as `sub` instead of `repo:<owner>/<name>:...`
   * (https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens).
   * Set both for such a repository (the repository's OIDC settings show the prefix); leave both
   * out for the name-only format. @default none: the name-only format
   */
  immutableIds: z
    .object({
      /** The owner's numeric id (`repository_owner_id` in the token). */
      ownerId: z.number().int().positive("must be the owner's numeric id"),
      /** The repository's numeric id (`repository_id` in the token). */
      repositoryId: z.number().int().positive("must be the repository's numeric id"),
    })
    .optional(),
});

export type GithubRepository = Readonly<z.infer<typeof githubRepositorySchema>>;

/** The repository. Placeholder owner: replace it before bootstrapping (docs/ci.md "Bootstrap once"). */
export const github: GithubRepository = {
  owner: "example-org",
  name: "shipkit",
  prodEnvironment: "prod",
  mainBranch: "main",
};

/** Validates a repository config; throws EnvironmentConfigError naming the field, the value and the fix. */
export function validateGithub(repo: GithubRepository): GithubRepository {
  const parsed = githubRepositorySchema.safeParse(repo);
  if (parsed.success) return parsed.data;
  throw new EnvironmentConfigError(
    parsed.error.issues.map((i) => `github.${i.path.join(".")} ${JSON.stringify((repo as Record<string, unknown>)[String(i.path[0])])} ${i.message} (environments/github.ts)`),
  );
}

/** The GitHub OIDC issuer host: the provider URL is `https://` + it, and condition keys start with it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** Audience aws-actions/configure-aws-credentials requests (and the provider's only client id). */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * The `sub` claims each role trusts (GitHub: "OpenID Connect reference", example subject claims,
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims):
 * - prod: jobs in the `prod` environment, `repo:<owner>/<name>:environment:prod` (a job with an
 *   environment carries the environment in `sub`, never the branch: the environment's deployment
 *   branch rule is what restricts it to main);
 * - staging: workflow runs on main without an environment, `repo:<owner>/<name>:ref:refs/heads/main`;
 * - previews and PR plans: `pull_request` events, `repo:<owner>/<name>:pull_request` (pull requests
 *   from forks get no OIDC token: GitHub withholds `id-token: write` from them).
 * With `immutableIds`, `<owner>/<name>` reads `<owner>-<ownerId>/<name>-<repositoryId>`.
 */
export function oidcSubjects(repo: GithubRepository): { readonly prod: string; readonly staging: string; readonly pullRequest: string } {
  const ids = repo.immutableIds;
  const base = ids ? `repo:${repo.owner}-${ids.ownerId}/${repo.name}-${ids.repositoryId}` : `repo:${repo.owner}/${repo.name}`;
  return { prod: `${base}:environment:${repo.prodEnvironment}`, staging: `${base}:ref:refs/heads/${repo.mainBranch}`, pullRequest: `${base}:pull_request` };
}

/**
 * The GitHub secrets holding the Cloudflare API tokens (docs/ci.md, "GitHub settings"); CI passes
 * either as `CLOUDFLARE_API_TOKEN`, the variable the Cloudflare provider reads.
 * - `dns`: a repository secret, DNS only (Zone Read, DNS Write): the `*-dns` stacks, so staging's
 *   job, the previews (preview:up, preview:down) and the sweeper. Every job, pull requests' included,
 *   can read it.
 * - `edge`: an environment secret of the GitHub environment prod, every permission the edge stack
 *   needs (docs/edge.md, "Setting up a real zone", step 3), Zone Transform Rules Write among them,
 *   which reads the late-transform ruleset and so both classes' origin-verify secrets: given to the
 *   prod job's edge step only. Tested via: test/ci-cloudflare-tokens.test.ts
 */
export const CLOUDFLARE_TOKEN_SECRETS = { dns: "CLOUDFLARE_API_TOKEN", edge: "CLOUDFLARE_EDGE_API_TOKEN" } as const;

/** The variable the Cloudflare provider reads its API token from. */
export const CLOUDFLARE_TOKEN_VARIABLE = "CLOUDFLARE_API_TOKEN";

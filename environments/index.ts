import { MAX_PR_NUMBER, ephemeral } from "./ephemeral";
import { prod } from "./prod";
import { staging } from "./staging";
import type { EnvironmentConfig } from "./types";
import { serviceHosts } from "./service-schema";
import { EnvironmentConfigError, validateEnvironment } from "./validate";
import { openPreviewProblem, previewCapacity } from "./preview-capacity";

export * from "./types";
export { EnvironmentConfigError, validateEnvironment } from "./validate";
export { prod, staging, ephemeral, MAX_PR_NUMBER };
export { previewCapacity, openPreviewProblem, PREVIEW_IMAGES_PER_OPEN_PREVIEW, type PreviewCapacity } from "./preview-capacity";
export { previewRepository, PREVIEW_REPOSITORY_SUFFIX } from "./schema";

/**
 * Parses the raw `PR_NUMBER` value (as main.ts reads it from the environment).
 * Returns undefined when unset or empty; throws a clear error for anything but 1..99999.
 */
export function parsePrNumber(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const text = raw.trim();
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > MAX_PR_NUMBER)
    throw new EnvironmentConfigError([
      `PR_NUMBER ${JSON.stringify(raw)} is not a pull-request number; use a whole number from 1 to ${MAX_PR_NUMBER}, e.g. PR_NUMBER=42, or unset it to build only prod and staging`,
    ]);
  return Number(text);
}

/**
 * Parses the raw `SHIPKIT_OPEN_PREVIEWS` value (as main.ts reads it): how many previews are open
 * besides the one being built. Returns undefined when unset or empty (the count is not checked);
 * throws a clear error for anything but a whole number >= 0.
 */
export function parseOpenPreviews(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const text = raw.trim();
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new EnvironmentConfigError([
      `SHIPKIT_OPEN_PREVIEWS ${JSON.stringify(raw)} is not a count of open previews; use a whole number of 0 or more (the previews open besides this one), e.g. SHIPKIT_OPEN_PREVIEWS=3, or unset it to skip the open-preview cap`,
    ]);
  return Number(text);
}

/**
 * Every environment to build: prod and staging always, plus `pr-<n>` when a PR number is given.
 * All are validated before anything is built, and all problems are reported together. With
 * `openPreviews` (the previews open besides `pr-<n>`), one more preview must fit staging's cap
 * (previewCapacity).
 */
export function resolveEnvironments(prNumber?: number, base: { prod: EnvironmentConfig; staging: EnvironmentConfig } = { prod, staging }, openPreviews?: number): EnvironmentConfig[] {
  const envs = [base.prod, base.staging, ...(prNumber === undefined ? [] : [ephemeral(prNumber, base.staging)])];
  const problems: string[] = [];
  for (const env of envs) {
    try {
      validateEnvironment(env);
    } catch (e) {
      if (e instanceof EnvironmentConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  problems.push(...hostnameClashes(envs));
  problems.push(...sharedWithProtected(envs));
  // Only against a valid base: a broken staging's cap would be a guess.
  if (problems.length === 0 && prNumber !== undefined && openPreviews !== undefined) {
    const problem = openPreviewProblem(`pr-${prNumber}`, openPreviews, previewCapacity(base.staging));
    if (problem) problems.push(problem);
  }
  if (problems.length) throw new EnvironmentConfigError(problems);
  return envs;
}

/**
 * A protected environment (prod) shares neither its AWS account nor its state bucket with an
 * unprotected one: staging's and the previews' roles administer or read their whole account (the
 * read-only plan role, which pull requests assume, may DescribeRules: prod's listener rules hold
 * prod's origin secret), and read their state bucket (prod's state holds it in plaintext). The
 * isolation docs/edge.md and docs/ci.md describe holds only across accounts.
 */
export function sharedWithProtected(envs: readonly EnvironmentConfig[]): string[] {
  const problems: string[] = [];
  for (const p of envs.filter((e) => e.safetyTier === "protected"))
    for (const other of envs.filter((e) => e.safetyTier !== "protected" && !e.preview)) {
      if (other.aws.accountId === p.aws.accountId)
        problems.push(
          `${other.name}.aws.accountId ${JSON.stringify(other.aws.accountId)} is ${p.name}'s account too; ${p.name} (protected) needs an account of its own: ${other.name}'s roles, which pull requests and previews reach, could read ${p.name}'s listener rules and state, and with them ${p.name}'s origin secret. Give ${other.name} its own AWS account in environments/${other.name}.ts`,
        );
      else if (other.aws.stateBucket === p.aws.stateBucket)
        problems.push(
          `${other.name}.aws.stateBucket ${JSON.stringify(other.aws.stateBucket)} is ${p.name}'s state bucket too; ${p.name} (protected) keeps its state, which holds its origin secret, in a bucket no other environment uses. Give ${other.name} its own bucket in its own account in environments/${other.name}.ts`,
        );
    }
  return problems;
}

/**
 * Hostnames claimed by two environments (app, redirect or service hostnames): both DNS stacks would
 * create the record and Cloudflare refuses the second, and both ALBs would claim the host.
 */
export function hostnameClashes(envs: readonly EnvironmentConfig[]): string[] {
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const env of envs) {
    const claimed: [string, string][] = [
      ["hostnames.app", env.hostnames.app],
      ...env.hostnames.redirects.map((h, i): [string, string] => [`hostnames.redirects[${i}]`, h]),
      ...serviceHosts(env).map((h): [string, string] => ["services (route.hosts)", h]),
    ];
    for (const [field, host] of claimed) {
      const other = owner.get(host);
      if (other !== undefined && other !== env.name)
        problems.push(
          `${env.name}.${field} ${JSON.stringify(host)} is also a hostname of ${other}; each hostname belongs to one environment (both DNS stacks would create its record and Cloudflare refuses the second): ${
            field.startsWith("services") ? `give ${env.name} its own, e.g. withOverrides(SERVICES, { <service>: { hosts: ["<name>-${env.name}.<zone>"] } })` : `give ${env.name} its own in environments/${env.name}.ts`
          }`,
        );
      else owner.set(host, env.name);
    }
  }
  return problems;
}

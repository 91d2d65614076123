import { MAX_PR_NUMBER, ephemeral } from "./ephemeral";
import { prod } from "./prod";
import { staging } from "./staging";
import type { EnvironmentConfig } from "./types";
import { serviceHosts } from "./service-schema";
import { EnvironmentConfigError, validateEnvironment } from "./validate";

export * from "./types";
export { EnvironmentConfigError, validateEnvironment } from "./validate";
export { prod, staging, ephemeral, MAX_PR_NUMBER };

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
 * Every environment to build: prod and staging always, plus `pr-<n>` when a PR number is given.
 * All are validated before anything is built, and all problems are reported together.
 */
export function resolveEnvironments(prNumber?: number, base: { prod: EnvironmentConfig; staging: EnvironmentConfig } = { prod, staging }): EnvironmentConfig[] {
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
  if (problems.length) throw new EnvironmentConfigError(problems);
  return envs;
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

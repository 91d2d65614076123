/**
 * The post-deploy smoke check (`npm run smoke -- <env> --sha <sha>`): the environment runs the
 * SHA that was deployed (stack output `services_image_tag`, read with `terraform output -json`),
 * and every HTTP service's health endpoint (its `healthCheckPath`, environments/services.ts)
 * answers 2xx through the public hostname, with retries and a per-request timeout. What the kit
 * cannot know (an app-specific version endpoint or header) is left to the app's own checks.
 */
import { ephemeral, prod, staging, type EnvironmentConfig } from "../../environments";
import { MAX_PR_NUMBER } from "../../lib/data/preview-database-tasks";
import { EXIT, elapsed, type Log } from "./preview-tools";

/** One URL to check. */
export interface HealthTarget {
  /** Service name, for messages. */
  readonly service: string;
  readonly url: string;
}

/**
 * The health endpoints of `env`'s HTTP services: `https://<host><healthCheckPath>`, the host being
 * the service's own (`route.hosts[0]`) or the app's. `baseUrl` replaces scheme and host (a local
 * run, a tunnel, tests).
 */
export function healthTargets(env: EnvironmentConfig, baseUrl?: string): HealthTarget[] {
  return Object.entries(env.services)
    .filter(([, s]) => s.kind === "http")
    .map(([service, s]) => {
      const http = s as { readonly healthCheckPath: string; readonly route?: { readonly hosts?: readonly string[] } };
      const origin = baseUrl ? baseUrl.replace(/\/+$/, "") : `https://${http.route?.hosts?.[0] ?? env.hostnames.app}`;
      return { service, url: `${origin}${http.healthCheckPath}` };
    });
}

/** The tag `env` should run for `sha`: the SHA itself for prod and staging, `pr-<n>-<sha>` for a preview. */
export const expectedTag = (env: EnvironmentConfig, sha: string): string => (env.preview ? `pr-${env.preview.prNumber}-${sha}` : sha);

/** Whether the deployed tag is `expected`; a short SHA matches the full one it abbreviates. */
export const tagMatches = (deployed: string, expected: string): boolean => deployed === expected || (deployed.startsWith(expected) && /^[0-9a-f]+$/.test(deployed.slice(expected.length)));

export interface SmokeOptions {
  readonly targets: readonly HealthTarget[];
  /** The tag the services must run. */
  readonly expectedTag: string;
  /** Reads the deployed tag (`services_image_tag`); `ok: false` says why it could not. */
  readonly readDeployedTag: () => Promise<{ readonly ok: true; readonly tag: string | undefined } | { readonly ok: false; readonly message: string }>;
  readonly log: Log;
  /** Tries per endpoint. @default 12 */
  readonly attempts?: number;
  /** Between tries. @default 5000 */
  readonly intervalMs?: number;
  /** Per request. @default 5000 */
  readonly timeoutMs?: number;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Tries one endpoint until it answers 2xx; returns the last problem, or undefined when healthy. */
async function checkHealth(target: HealthTarget, opts: SmokeOptions): Promise<string | undefined> {
  const attempts = opts.attempts ?? 12;
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let problem = "not tried";
  for (let i = 1; i <= attempts; i++) {
    const start = Date.now();
    try {
      const res = await doFetch(target.url, { redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs ?? 5000), headers: { "User-Agent": "shipkit-smoke" } });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        opts.log.info(`smoke: ${target.service} ${target.url}: HTTP ${res.status} in ${elapsed(start)} (try ${i})`);
        return undefined;
      }
      problem = `HTTP ${res.status}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      problem = err.name === "TimeoutError" ? `no answer within ${(opts.timeoutMs ?? 5000) / 1000} s` : `${err.cause?.code ?? err.cause?.message ?? err.message}`;
    }
    opts.log.info(`smoke: ${target.service} ${target.url}: ${problem} (try ${i} of ${attempts})`);
    if (i < attempts) await sleep(opts.intervalMs ?? 5000);
  }
  return problem;
}

/** Runs the check; exit 0 when the tag matches and every endpoint is healthy, else 1 with every failure listed. */
export async function smoke(opts: SmokeOptions): Promise<number> {
  const failures: string[] = [];
  const tag = await opts.readDeployedTag();
  if (!tag.ok) failures.push(`the deployed tag could not be read: ${tag.message}`);
  else if (tag.tag === undefined) failures.push(`the stack has no output services_image_tag (not deployed?); expected ${opts.expectedTag}`);
  else if (!tagMatches(tag.tag, opts.expectedTag)) failures.push(`the services run ${tag.tag}, not ${opts.expectedTag}: the deploy did not land (or another one followed)`);
  else opts.log.info(`smoke: services_image_tag is ${tag.tag}`);
  const health = await Promise.all(opts.targets.map(async (t) => [t, await checkHealth(t, opts)] as const));
  for (const [t, problem] of health) if (problem) failures.push(`${t.service} ${t.url} is not healthy: ${problem} after ${opts.attempts ?? 12} tries`);
  if (failures.length) {
    for (const f of failures) opts.log.error(`smoke: FAILED: ${f}`);
    return EXIT.failed;
  }
  opts.log.info(`smoke: ok: ${opts.targets.length} health endpoint(s) answer and the services run ${opts.expectedTag}`);
  return EXIT.ok;
}

export interface SmokeArgs {
  readonly env: EnvironmentConfig;
  readonly sha: string;
  readonly baseUrl?: string;
  readonly attempts: number;
}

export const SMOKE_USAGE = "npm run smoke -- <prod|staging|pr-<n>> --sha <git sha> [--attempts N] [--base-url URL]";

/** Parses the smoke arguments; throws an Error naming the bad value and the fix. */
export function parseSmokeArgs(args: readonly string[]): SmokeArgs {
  const [name, ...rest] = args;
  const fail = (why: string): never => {
    throw new Error(`usage: ${SMOKE_USAGE}; ${why}`);
  };
  let env: EnvironmentConfig | undefined;
  if (name === "prod") env = prod;
  else if (name === "staging") env = staging;
  else if (name && /^pr-[1-9][0-9]{0,4}$/.test(name) && Number(name.slice(3)) <= MAX_PR_NUMBER) env = ephemeral(Number(name.slice(3)));
  else fail(`${JSON.stringify(name ?? "")} is not an environment: use prod, staging or pr-<n>`);
  let sha: string | undefined;
  let baseUrl: string | undefined;
  let attempts = 12;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (flag === "--sha") {
      if (!value || !/^[0-9a-f]{7,40}$/.test(value)) fail(`--sha ${JSON.stringify(value ?? "")} is not a git SHA (7-40 lowercase hex), e.g. --sha $(git rev-parse HEAD)`);
      sha = value;
    } else if (flag === "--base-url") {
      if (!value || !/^https?:\/\/[^/\s]+\/?$/.test(value)) fail(`--base-url ${JSON.stringify(value ?? "")} is not an origin, e.g. --base-url http://127.0.0.1:8080`);
      baseUrl = value;
    } else if (flag === "--attempts") {
      if (!value || !/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 100) fail(`--attempts ${JSON.stringify(value ?? "")} is not a whole number from 1 to 100`);
      attempts = Number(value);
    } else fail(`unknown argument ${JSON.stringify(flag)}`);
    i++;
  }
  if (!sha) fail("--sha is missing, e.g. --sha $(git rev-parse HEAD)");
  return { env: env!, sha: sha!, baseUrl, attempts };
}

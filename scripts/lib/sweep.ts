/**
 * The preview sweeper (`npm run previews:sweep -- [--apply] [--ttl-days N]`): which previews to
 * tear down and why. A preview goes when its PR is closed or merged, when the PR does not exist
 * (an orphan: GitHub answers 404 for it while the repository itself answers), or when its last
 * deploy is older than the TTL. When GitHub cannot say (5xx, rate limit, network, bad token),
 * the preview is never selected: a sweeper that guesses destroys open previews.
 *
 * GitHub REST: `GET /repos/{owner}/{repo}/pulls/{pull_number}` answers `state` ("open" or
 * "closed") and `merged`; 404 when there is no such PR or the token cannot see the repository
 * (https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request). Rate limits answer 403 or 429
 * with `x-ratelimit-remaining: 0` (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 */
import type { PreviewState } from "./preview-state";
import { EXIT, cloudflareProblems, type CredentialsCheck, type Log } from "./preview-tools";

/** What GitHub said about a PR. `unknown`: it could not say (never a reason to destroy). */
export type PrStatus =
  | { readonly kind: "open" }
  | { readonly kind: "closed" }
  | { readonly kind: "merged" }
  | { readonly kind: "not-found" }
  | { readonly kind: "unknown"; readonly reason: string };

export interface SweepDecision {
  readonly pr: number;
  readonly select: boolean;
  readonly reason: string;
  readonly lastModified: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days between two dates, one decimal, for messages. */
const days = (ms: number): string => (ms / DAY_MS).toFixed(1);

/**
 * The sweeper's decision for every preview state, in PR order; pure. `statuses` holds GitHub's
 * answer per PR (a PR missing from it is never selected).
 */
export function selectPreviews(previews: readonly PreviewState[], statuses: ReadonlyMap<number, PrStatus>, now: Date, ttlDays: number): SweepDecision[] {
  return [...previews]
    .sort((a, b) => a.pr - b.pr)
    .map((p) => {
      const age = now.getTime() - p.lastModified.getTime();
      const deployed = `last deploy ${p.lastModified.toISOString().slice(0, 16).replace("T", " ")} UTC, ${days(age)} days ago`;
      const decide = (select: boolean, reason: string): SweepDecision => ({ pr: p.pr, select, reason: `${reason} (${deployed})`, lastModified: p.lastModified });
      if (p.resources === 0) return decide(false, "already torn down: its state holds no resources");
      const status = statuses.get(p.pr);
      if (!status) return decide(false, "GitHub was not asked about this PR: left alone");
      switch (status.kind) {
        case "unknown":
          return decide(false, `GitHub could not say whether PR #${p.pr} is open (${status.reason}): never torn down on a guess`);
        case "merged":
          return decide(true, `PR #${p.pr} is merged`);
        case "closed":
          return decide(true, `PR #${p.pr} is closed`);
        case "not-found":
          return decide(true, `PR #${p.pr} does not exist (GitHub 404): an orphan`);
        case "open":
          return age > ttlDays * DAY_MS ? decide(true, `PR #${p.pr} is open but the preview is older than the TTL of ${ttlDays} days`) : decide(false, `PR #${p.pr} is open and the preview is within the TTL of ${ttlDays} days`);
      }
    });
}

/** How to reach GitHub. */
export interface GitHubTarget {
  /** `owner/name` (GITHUB_REPOSITORY in Actions). */
  readonly repository: string;
  readonly token: string;
  /** @default https://api.github.com (GITHUB_API_URL in Actions, for GitHub Enterprise Server) */
  readonly apiUrl?: string;
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
}

type Fetch = typeof fetch;

async function githubGet(fetchImpl: Fetch, target: GitHubTarget, pathname: string): Promise<Response | string> {
  const base = (target.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  try {
    return await fetchImpl(`${base}${pathname}`, {
      headers: { Accept: "application/vnd.github+json", Authorization: `Bearer ${target.token}`, "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "shipkit-previews-sweep" },
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
  } catch (e) {
    return `no answer from ${base} (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Why a non-2xx, non-404 answer says nothing about the PR. */
function failureReason(res: Response): string {
  const remaining = res.headers.get("x-ratelimit-remaining");
  if ((res.status === 403 || res.status === 429) && (remaining === "0" || res.headers.has("retry-after"))) {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    return `rate limited (HTTP ${res.status})${Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : ""}`;
  }
  if (res.status === 401) return "HTTP 401: GITHUB_TOKEN was refused";
  if (res.status === 403) return "HTTP 403: GITHUB_TOKEN may not read pull requests (give the job `permissions: pull-requests: read`)";
  return `HTTP ${res.status}`;
}

/** GitHub's answer about PR `pr`; never throws. */
export async function fetchPrStatus(fetchImpl: Fetch, target: GitHubTarget, pr: number): Promise<PrStatus> {
  const res = await githubGet(fetchImpl, target, `/repos/${target.repository}/pulls/${pr}`);
  if (typeof res === "string") return { kind: "unknown", reason: res };
  if (res.status === 404) return { kind: "not-found" };
  if (!res.ok) return { kind: "unknown", reason: failureReason(res) };
  let body: { state?: unknown; merged?: unknown; merged_at?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    return { kind: "unknown", reason: "HTTP 200 with a body that is not JSON" };
  }
  if (body.merged === true || (typeof body.merged_at === "string" && body.merged_at !== "")) return { kind: "merged" };
  if (body.state === "closed") return { kind: "closed" };
  if (body.state === "open") return { kind: "open" };
  return { kind: "unknown", reason: `unexpected PR state ${JSON.stringify(body.state)}` };
}

/**
 * Checks the repository itself answers before any 404 is read as "no such PR": with a wrong
 * GITHUB_REPOSITORY or a token that cannot see it, every PR would be a 404 and every preview an
 * orphan. Returns the problem, or undefined.
 */
export async function checkRepository(fetchImpl: Fetch, target: GitHubTarget): Promise<string | undefined> {
  const res = await githubGet(fetchImpl, target, `/repos/${target.repository}`);
  if (typeof res === "string") return res;
  if (res.ok) return undefined;
  if (res.status === 404) return `repository ${target.repository} not found (HTTP 404): check GITHUB_REPOSITORY (owner/name) and that GITHUB_TOKEN can read it`;
  return `repository ${target.repository}: ${failureReason(res)}`;
}

/** Parsed `previews:sweep` arguments. */
export interface SweepArgs {
  readonly apply: boolean;
  readonly ttlDays: number;
}

export const SWEEP_USAGE = "npm run previews:sweep -- [--apply] [--ttl-days N]";

/** Parses `[--apply] [--ttl-days N]`; throws an Error naming the bad value and the fix. */
export function parseSweepArgs(args: readonly string[]): SweepArgs {
  let apply = false;
  let ttlDays = 7;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--apply") apply = true;
    else if (arg === "--ttl-days" || arg.startsWith("--ttl-days=")) {
      const raw = arg === "--ttl-days" ? args[++i] : arg.slice("--ttl-days=".length);
      if (raw === undefined || !/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > 365)
        throw new Error(`usage: ${SWEEP_USAGE}; --ttl-days ${raw === undefined ? "needs a value" : JSON.stringify(raw) + " is not a whole number of days from 1 to 365"}, e.g. --ttl-days 7`);
      ttlDays = Number(raw);
    } else throw new Error(`usage: ${SWEEP_USAGE}; unknown argument ${JSON.stringify(arg)} (dry run unless --apply; --ttl-days defaults to 7)`);
  }
  return { apply, ttlDays };
}

export interface SweepDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly log: Log;
  readonly checkCredentials: CredentialsCheck;
  /** Preview state objects in staging's state bucket (listPreviewStates). */
  readonly listStates: () => Promise<readonly PreviewState[]>;
  readonly fetch: Fetch;
  readonly now: () => Date;
  /** Tears one preview down (`npm run preview:down -- <n>`); returns its exit code. */
  readonly teardown: (pr: number) => Promise<number>;
}

/** The variables the sweeper reads: GitHub always, Cloudflare with --apply (preview:down needs them). */
export function sweepProblems(env: NodeJS.ProcessEnv, apply: boolean, zone: string): string[] {
  const problems: string[] = [];
  if (!env.GITHUB_TOKEN) problems.push("GITHUB_TOKEN is not set (a token that may read the repository's pull requests; in Actions: secrets.GITHUB_TOKEN with permissions pull-requests: read)");
  if (!env.GITHUB_REPOSITORY) problems.push("GITHUB_REPOSITORY is not set (owner/name, e.g. acme/shipkit; Actions sets it)");
  else if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(env.GITHUB_REPOSITORY)) problems.push(`GITHUB_REPOSITORY=${JSON.stringify(env.GITHUB_REPOSITORY)} is not owner/name, e.g. acme/shipkit`);
  if (apply) problems.push(...cloudflareProblems(env, zone).map((p) => `${p} (--apply runs preview:down, which destroys pr-<n>-dns)`));
  return problems;
}

/**
 * Lists, asks GitHub, prints every decision with its reason, and with `apply` tears the selected
 * previews down one by one, continuing past failures. Exit 0, 1 when a teardown failed or GitHub
 * could not be asked at all, 2 when nothing ran (variables, credentials).
 */
export async function runSweep(args: SweepArgs, deps: SweepDeps, zone: string): Promise<number> {
  const { log } = deps;
  const problems = sweepProblems(deps.env, args.apply, zone);
  if (problems.length) {
    log.error(`previews:sweep: nothing was run: ${problems.join("; ")}.`);
    return EXIT.usage;
  }
  const credentials = await deps.checkCredentials();
  if (credentials) {
    log.error(`previews:sweep: nothing was run: ${credentials}`);
    return EXIT.usage;
  }
  const target: GitHubTarget = { repository: deps.env.GITHUB_REPOSITORY!, token: deps.env.GITHUB_TOKEN!, apiUrl: deps.env.GITHUB_API_URL || undefined };
  const repoProblem = await checkRepository(deps.fetch, target);
  if (repoProblem) {
    log.error(`previews:sweep: GitHub cannot be asked about pull requests: ${repoProblem}. No preview was selected or touched.`);
    return EXIT.failed;
  }
  const states = await deps.listStates();
  const statuses = new Map<number, PrStatus>();
  for (const s of states) if (s.resources > 0) statuses.set(s.pr, await fetchPrStatus(deps.fetch, target, s.pr));
  const decisions = selectPreviews(states, statuses, deps.now(), args.ttlDays);
  const selected = decisions.filter((d) => d.select);
  log.info(`previews:sweep: ${states.length} preview state(s), ${selected.length} selected (TTL ${args.ttlDays} days)${args.apply ? "" : ", dry run"}:`);
  for (const d of decisions) log.info(`  pr-${d.pr}  ${d.select ? "TEAR DOWN" : "keep     "}  ${d.reason}`);
  if (!args.apply) {
    if (selected.length) log.info(`dry run: nothing was touched. To tear these down: npm run previews:sweep -- --apply${args.ttlDays === 7 ? "" : ` --ttl-days ${args.ttlDays}`}`);
    return EXIT.ok;
  }
  const failed: number[] = [];
  for (const d of selected) {
    log.info(`previews:sweep: tearing down pr-${d.pr} (npm run preview:down -- ${d.pr})`);
    const code = await deps.teardown(d.pr);
    if (code !== 0) {
      failed.push(d.pr);
      log.error(`previews:sweep: preview:down ${d.pr} exited ${code}; continuing with the others`);
    }
  }
  if (failed.length) {
    log.error(`previews:sweep: ${failed.length} of ${selected.length} teardown(s) failed: ${failed.map((n) => `pr-${n}`).join(", ")}. Read their output above and run npm run preview:down -- <n> for each.`);
    return EXIT.failed;
  }
  log.info(`previews:sweep: ${selected.length} preview(s) torn down.`);
  return EXIT.ok;
}

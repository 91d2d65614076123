import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver = require("s3rver");
import { listPreviewStates, managedResources, otherLivePreviews, s3StateBucketApi, type PreviewState } from "../../scripts/lib/preview-state";
import { EXIT } from "../../scripts/lib/preview-tools";
import { checkRepository, fetchPrStatus, parseSweepArgs, runSweep, selectPreviews, type PrStatus, type SweepDeps } from "../../scripts/lib/sweep";
import { CLOUDFLARE_ENV, memoryLog, runScript } from "./preview-helpers";

const NOW = new Date("2026-11-27T12:00:00Z");
const daysAgo = (d: number): Date => new Date(NOW.getTime() - d * 24 * 3600 * 1000);
const preview = (pr: number, ageDays: number, resources = 40): PreviewState => ({ pr, key: `pr-${pr}/terraform.tfstate`, lastModified: daysAgo(ageDays), resources });

describe("selectPreviews", () => {
  const decide = (status: PrStatus | undefined, ageDays: number, ttl = 7, resources = 40) => {
    const statuses = new Map<number, PrStatus>(status ? [[5, status]] : []);
    return selectPreviews([preview(5, ageDays, resources)], statuses, NOW, ttl)[0]!;
  };

  test("closed PR: selected, whatever its age", () => {
    expect(decide({ kind: "closed" }, 0.1)).toMatchObject({ select: true, reason: expect.stringMatching(/^PR #5 is closed \(last deploy 2026-11-27 09:36 UTC, 0.1 days ago\)$/) });
  });

  test("merged PR: selected", () => {
    expect(decide({ kind: "merged" }, 1)).toMatchObject({ select: true, reason: expect.stringMatching(/PR #5 is merged/) });
  });

  test("open and fresh: kept", () => {
    expect(decide({ kind: "open" }, 6.9)).toMatchObject({ select: false, reason: expect.stringMatching(/PR #5 is open and the preview is within the TTL of 7 days \(.*6.9 days ago\)/) });
  });

  test("open and stale (older than the TTL): selected", () => {
    expect(decide({ kind: "open" }, 7.1)).toMatchObject({ select: true, reason: expect.stringMatching(/PR #5 is open but the preview is older than the TTL of 7 days \(.*7.1 days ago\)/) });
  });

  test("the TTL is the caller's", () => {
    expect(decide({ kind: "open" }, 2.5, 2).select).toBe(true);
    expect(decide({ kind: "open" }, 2.5, 3).select).toBe(false);
  });

  test("PR not found (404): an orphan, selected", () => {
    expect(decide({ kind: "not-found" }, 0.5)).toMatchObject({ select: true, reason: expect.stringMatching(/PR #5 does not exist \(GitHub 404\): an orphan/) });
  });

  test("GitHub error (5xx, rate limit): never selected, even when stale, and says why", () => {
    expect(decide({ kind: "unknown", reason: "HTTP 502" }, 30)).toMatchObject({ select: false, reason: expect.stringMatching(/GitHub could not say whether PR #5 is open \(HTTP 502\): never torn down on a guess/) });
    expect(decide({ kind: "unknown", reason: "rate limited (HTTP 403)" }, 30).select).toBe(false);
  });

  test("no answer recorded for a PR: never selected", () => {
    expect(decide(undefined, 30)).toMatchObject({ select: false, reason: expect.stringMatching(/GitHub was not asked/) });
  });

  test("already torn down (state without resources): kept out, even when closed", () => {
    expect(decide({ kind: "closed" }, 30, 7, 0)).toMatchObject({ select: false, reason: expect.stringMatching(/already torn down/) });
  });

  test("decisions come back in PR order, one per preview", () => {
    const statuses = new Map<number, PrStatus>([
      [9, { kind: "open" }],
      [3, { kind: "merged" }],
    ]);
    expect(selectPreviews([preview(9, 1), preview(3, 1)], statuses, NOW, 7).map((d) => [d.pr, d.select])).toEqual([
      [3, true],
      [9, false],
    ]);
  });
});

/** A local GitHub stand-in: answers per PR number from `pulls`, and the repository. */
async function fakeGitHub(pulls: Record<number, { status: number; body?: unknown; headers?: Record<string, string> }>, repoStatus = 200) {
  const requests: { url: string; auth?: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url!, auth: req.headers.authorization });
    const pull = /^\/repos\/acme\/shipkit\/pulls\/(\d+)$/.exec(req.url!);
    const answer = req.url === "/repos/acme/shipkit" ? { status: repoStatus, body: { full_name: "acme/shipkit" } } : pull ? (pulls[Number(pull[1])] ?? { status: 404, body: { message: "Not Found" } }) : { status: 404 };
    res.writeHead(answer.status, { "content-type": "application/json", ...(answer.headers ?? {}) });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("fetchPrStatus against a local HTTP server", () => {
  let gh: Awaited<ReturnType<typeof fakeGitHub>>;
  beforeAll(async () => {
    gh = await fakeGitHub({
      1: { status: 200, body: { state: "open", merged: false } },
      2: { status: 200, body: { state: "closed", merged: false, merged_at: null } },
      3: { status: 200, body: { state: "closed", merged: true, merged_at: "2026-11-20T10:00:00Z" } },
      5: { status: 502, body: { message: "Bad Gateway" } },
      6: { status: 403, body: { message: "API rate limit exceeded" }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795000000" } },
      7: { status: 429, body: {}, headers: { "retry-after": "60" } },
      8: { status: 401, body: { message: "Bad credentials" } },
    });
  });
  afterAll(() => gh.close());
  const target = () => ({ repository: "acme/shipkit", token: "t0ken", apiUrl: gh.url });

  test.each([
    [1, { kind: "open" }],
    [2, { kind: "closed" }],
    [3, { kind: "merged" }],
    [4, { kind: "not-found" }],
    [5, { kind: "unknown", reason: "HTTP 502" }],
    [6, { kind: "unknown", reason: expect.stringMatching(/^rate limited \(HTTP 403\) until 2026-/) }],
    [7, { kind: "unknown", reason: "rate limited (HTTP 429)" }],
    [8, { kind: "unknown", reason: expect.stringMatching(/HTTP 401: GITHUB_TOKEN was refused/) }],
  ])("PR %d", async (pr, expected) => {
    expect(await fetchPrStatus(fetch, target(), pr)).toEqual(expected);
  });

  test("sends the token as a bearer header to /repos/{owner}/{repo}/pulls/{n}", async () => {
    await fetchPrStatus(fetch, target(), 1);
    expect(gh.requests.at(-1)).toEqual({ url: "/repos/acme/shipkit/pulls/1", auth: "Bearer t0ken" });
  });

  test("no server at all: unknown, never throws", async () => {
    const status = await fetchPrStatus(fetch, { repository: "acme/shipkit", token: "t", apiUrl: "http://127.0.0.1:9", timeoutMs: 2000 }, 1);
    expect(status).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/no answer from http:\/\/127.0.0.1:9/) });
  });

  test("the repository must answer before a 404 means anything", async () => {
    expect(await checkRepository(fetch, target())).toBeUndefined();
    expect(await checkRepository(fetch, { ...target(), repository: "acme/typo" })).toMatch(/repository acme\/typo not found \(HTTP 404\): check GITHUB_REPOSITORY/);
  });
});

describe("runSweep", () => {
  let gh: Awaited<ReturnType<typeof fakeGitHub>>;
  beforeAll(async () => {
    gh = await fakeGitHub({
      10: { status: 200, body: { state: "closed", merged: true } },
      11: { status: 200, body: { state: "open", merged: false } },
      12: { status: 200, body: { state: "open", merged: false } },
      13: { status: 503 },
      15: { status: 200, body: { state: "closed", merged: false } },
    });
  });
  afterAll(() => gh.close());

  const STATES = [preview(10, 1), preview(11, 2), preview(12, 9), preview(13, 30), preview(14, 3), preview(15, 40, 0)];

  function deps(over: Partial<SweepDeps> = {}) {
    const log = memoryLog();
    const tornDown: number[] = [];
    const d: SweepDeps = {
      env: { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/shipkit", GITHUB_API_URL: gh.url, ...CLOUDFLARE_ENV },
      log,
      checkCredentials: async () => undefined,
      listStates: async () => STATES,
      fetch,
      now: () => NOW,
      teardown: async (pr) => (tornDown.push(pr), 0),
      ...over,
    };
    return { d, log, tornDown };
  }

  test("dry run: prints every preview with its reason, tears nothing down, exit 0", async () => {
    const { d, log, tornDown } = deps();
    expect(await runSweep({ apply: false, ttlDays: 7 }, d, "example.com")).toBe(EXIT.ok);
    expect(tornDown).toEqual([]);
    const text = log.text();
    expect(text).toMatch(/6 preview state\(s\), 3 selected \(TTL 7 days\), dry run/);
    expect(text).toMatch(/pr-10 {2}TEAR DOWN {2}PR #10 is merged/);
    expect(text).toMatch(/pr-11 {2}keep +PR #11 is open and the preview is within the TTL/);
    expect(text).toMatch(/pr-12 {2}TEAR DOWN {2}PR #12 is open but the preview is older than the TTL/);
    expect(text).toMatch(/pr-13 {2}keep +GitHub could not say whether PR #13 is open \(HTTP 503\)/);
    expect(text).toMatch(/pr-14 {2}TEAR DOWN {2}PR #14 does not exist \(GitHub 404\)/);
    expect(text).toMatch(/pr-15 {2}keep +already torn down/);
    expect(text).toMatch(/dry run: nothing was touched\. To tear these down: npm run previews:sweep -- --apply/);
    // A torn-down preview's PR is not even asked about.
    expect(gh.requests.some((r) => r.url.endsWith("/pulls/15"))).toBe(false);
  });

  test("--apply tears down the selected ones, continues past a failure, exits non-zero", async () => {
    const tried: number[] = [];
    const { d, log } = deps({ teardown: async (pr) => (tried.push(pr), pr === 10 ? 1 : 0) });
    expect(await runSweep({ apply: true, ttlDays: 7 }, d, "example.com")).toBe(EXIT.failed);
    expect(tried).toEqual([10, 12, 14]);
    expect(log.errors.join("\n")).toMatch(/1 of 3 teardown\(s\) failed: pr-10/);
  });

  test("--apply with every teardown passing: exit 0", async () => {
    const { d, tornDown } = deps();
    expect(await runSweep({ apply: true, ttlDays: 7 }, d, "example.com")).toBe(EXIT.ok);
    expect(tornDown).toEqual([10, 12, 14]);
  });

  test("a repository GitHub does not know: nothing selected or touched, exit non-zero", async () => {
    const { d, log, tornDown } = deps({ env: { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/typo", GITHUB_API_URL: gh.url, ...CLOUDFLARE_ENV } });
    expect(await runSweep({ apply: true, ttlDays: 7 }, d, "example.com")).toBe(EXIT.failed);
    expect(tornDown).toEqual([]);
    expect(log.errors.join("\n")).toMatch(/repository acme\/typo not found .*No preview was selected or touched/);
  });

  test("missing GitHub variables (and Cloudflare ones with --apply) are named before anything runs", async () => {
    let listed = false;
    const { d, log } = deps({ env: {}, listStates: async () => ((listed = true), STATES) });
    expect(await runSweep({ apply: true, ttlDays: 7 }, d, "example.com")).toBe(EXIT.usage);
    const error = log.errors.join("\n");
    for (const name of ["GITHUB_TOKEN", "GITHUB_REPOSITORY", "CLOUDFLARE_API_TOKEN", "TF_VAR_cloudflare_zone_id"]) expect(error).toContain(`${name} is not set`);
    expect(listed).toBe(false);
  });

  test("a dry run does not need the Cloudflare variables", async () => {
    const { d } = deps({ env: { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/shipkit", GITHUB_API_URL: gh.url } });
    expect(await runSweep({ apply: false, ttlDays: 7 }, d, "example.com")).toBe(EXIT.ok);
  });

  test("missing AWS credentials: nothing listed", async () => {
    const { d, log } = deps({ checkCredentials: async () => "no AWS credentials" });
    expect(await runSweep({ apply: false, ttlDays: 7 }, d, "example.com")).toBe(EXIT.usage);
    expect(log.errors.join("\n")).toMatch(/nothing was run: no AWS credentials/);
  });
});

describe("parseSweepArgs", () => {
  test("defaults: dry run, 7 days", () => expect(parseSweepArgs([])).toEqual({ apply: false, ttlDays: 7 }));
  test("--apply --ttl-days 3 and --ttl-days=14", () => {
    expect(parseSweepArgs(["--apply", "--ttl-days", "3"])).toEqual({ apply: true, ttlDays: 3 });
    expect(parseSweepArgs(["--ttl-days=14"])).toEqual({ apply: false, ttlDays: 14 });
  });
  test.each([
    [["--ttl-days", "0"], /--ttl-days "0" is not a whole number of days from 1 to 365, e.g. --ttl-days 7/],
    [["--ttl-days", "1.5"], /"1.5" is not a whole number/],
    [["--ttl-days"], /--ttl-days needs a value/],
    [["--aply"], /unknown argument "--aply" \(dry run unless --apply/],
  ])("%j is refused with the fix", (args, message) => {
    expect(() => parseSweepArgs(args)).toThrow(message);
  });
});

describe("listPreviewStates against s3rver", () => {
  const BUCKET = "shipkit-terraform-state-222222222222";
  let dir: string;
  let s3rver: S3rver;
  let server: http.Server;
  let client: S3Client;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-sweep-s3-"));
    s3rver = new S3rver({ silent: true, directory: dir, vhostBuckets: false, configureBuckets: [{ name: BUCKET }] });
    await s3rver.configureBuckets();
    server = http.createServer(s3rver.callback());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    client = new S3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    const live = JSON.stringify({ version: 4, resources: [{ mode: "data", type: "terraform_remote_state" }, { mode: "managed", type: "aws_ecs_service" }, { mode: "managed", type: "aws_security_group" }] });
    const empty = JSON.stringify({ version: 4, outputs: {}, resources: [] });
    const objects: Record<string, string> = {
      "pr-42/terraform.tfstate": live,
      "pr-7/terraform.tfstate": empty,
      "pr-42-dns/terraform.tfstate": live,
      "pr-42/terraform.tfstate.tflock": "{}",
      "staging/terraform.tfstate": live,
      "pr-100/terraform.tfstate": live,
    };
    for (const [Key, Body] of Object.entries(objects)) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  });

  afterAll(async () => {
    client?.destroy();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    s3rver?.logger.exceptions.unhandle();
    s3rver?.logger.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("only pr-<n>/terraform.tfstate keys, with LastModified and managed resource counts", async () => {
    const states = await listPreviewStates(s3StateBucketApi(client), BUCKET);
    expect(states.map((s) => [s.pr, s.key, s.resources])).toEqual([
      [7, "pr-7/terraform.tfstate", 0],
      [42, "pr-42/terraform.tfstate", 2],
      [100, "pr-100/terraform.tfstate", 2],
    ]);
    for (const s of states) expect(Number.isNaN(s.lastModified.getTime())).toBe(false);
    // The open-preview count preview:up passes: live ones other than itself.
    expect(otherLivePreviews(states, 42).map((s) => s.pr)).toEqual([100]);
  });

  test("pages are followed", async () => {
    const pages = [
      { keys: [{ key: "pr-1/terraform.tfstate", lastModified: NOW }], next: "t1" },
      { keys: [{ key: "pr-2/terraform.tfstate", lastModified: NOW }] },
    ];
    let call = 0;
    const states = await listPreviewStates({ list: async () => pages[call++]!, read: async () => "" }, BUCKET);
    expect(states.map((s) => s.pr)).toEqual([1, 2]);
    expect(managedResources("")).toBe(0);
  });
});

describe("previews:sweep online path (real entry, no AWS credentials)", () => {
  test("stops at missing credentials, before GitHub or S3, and does not hang", async () => {
    const result = await runScript("previews-sweep.ts", [], { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/shipkit", GITHUB_API_URL: "http://127.0.0.1:9" });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/previews:sweep: nothing was run: no AWS credentials \(Could not load credentials from any providers\)/);
  });

  test("an unknown flag names itself", async () => {
    const result = await runScript("previews-sweep.ts", ["--dry-run"]);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/unknown argument "--dry-run" \(dry run unless --apply/);
  });
});

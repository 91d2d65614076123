import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ephemeral, prod, staging } from "../../environments";
import { EXIT } from "../../scripts/lib/preview-tools";
import { expectedTag, healthTargets, parseSmokeArgs, smoke, tagMatches, type SmokeOptions } from "../../scripts/lib/smoke";
import { memoryLog } from "./preview-helpers";

const ROOT = path.resolve(__dirname, "../..");
const SHA = "0123456789abcdef0123456789abcdef01234567";

/** A local app: /healthz healthy; /backend/healthz 503 for the first `backendFailures` calls; /slow never answers in time. */
async function localApp(backendFailures: number) {
  let backendCalls = 0;
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === "/healthz") return void res.writeHead(200).end("ok");
    if (req.url === "/backend/healthz") return void (++backendCalls <= backendFailures ? res.writeHead(503).end("starting") : res.writeHead(200).end("ok"));
    if (req.url === "/slow") return void setTimeout(() => res.writeHead(200).end("late"), 3000);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const fast = { intervalMs: 20, timeoutMs: 1000 };
const tagIs = (tag: string | undefined): SmokeOptions["readDeployedTag"] => async () => ({ ok: true, tag });

describe("smoke against a local HTTP server", () => {
  test("the health endpoints of staging's HTTP services answer (after retries) and the tag is the SHA: exit 0", async () => {
    const app = await localApp(2);
    try {
      const log = memoryLog();
      const code = await smoke({ targets: healthTargets(staging, app.base), expectedTag: expectedTag(staging, SHA), readDeployedTag: tagIs(SHA), log, attempts: 5, ...fast });
      expect(code).toBe(EXIT.ok);
      expect(app.hits.filter((h) => h === "/backend/healthz")).toHaveLength(3);
      expect(app.hits).toContain("/healthz");
      expect(log.text()).toMatch(/backend .*\/backend\/healthz: HTTP 503 \(try 1 of 5\)/);
      expect(log.text()).toMatch(/smoke: ok: 2 health endpoint\(s\) answer and the services run 0123456789abcdef/);
    } finally {
      await app.close();
    }
  });

  test("an endpoint that stays unhealthy fails after the tries, naming the URL and the last answer", async () => {
    const app = await localApp(100);
    try {
      const log = memoryLog();
      const code = await smoke({ targets: healthTargets(staging, app.base), expectedTag: SHA, readDeployedTag: tagIs(SHA), log, attempts: 3, ...fast });
      expect(code).toBe(EXIT.failed);
      expect(log.errors).toEqual([`smoke: FAILED: backend ${app.base}/backend/healthz is not healthy: HTTP 503 after 3 tries`]);
    } finally {
      await app.close();
    }
  });

  test("a request that hangs is cut by the timeout, and does not hang the check", async () => {
    const app = await localApp(0);
    try {
      const log = memoryLog();
      const code = await smoke({ targets: [{ service: "slow", url: `${app.base}/slow` }], expectedTag: SHA, readDeployedTag: tagIs(SHA), log, attempts: 2, intervalMs: 10, timeoutMs: 300 });
      expect(code).toBe(EXIT.failed);
      expect(log.errors.join("\n")).toMatch(/slow .*\/slow is not healthy: no answer within 0.3 s after 2 tries/);
    } finally {
      await app.close();
    }
  });

  test("nothing listening: connection refused, reported", async () => {
    const app = await localApp(0);
    const base = app.base;
    await app.close();
    const log = memoryLog();
    const code = await smoke({ targets: [{ service: "web", url: `${base}/healthz` }], expectedTag: SHA, readDeployedTag: tagIs(SHA), log, attempts: 2, ...fast });
    expect(code).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/web .* is not healthy: ECONNREFUSED after 2 tries/);
  });

  test("healthy but another tag deployed: fails naming both tags", async () => {
    const app = await localApp(0);
    try {
      const log = memoryLog();
      const code = await smoke({ targets: healthTargets(staging, app.base), expectedTag: SHA, readDeployedTag: tagIs("fedcba9876543210"), log, attempts: 1, ...fast });
      expect(code).toBe(EXIT.failed);
      expect(log.errors).toEqual([`smoke: FAILED: the services run fedcba9876543210, not ${SHA}: the deploy did not land (or another one followed)`]);
    } finally {
      await app.close();
    }
  });

  test("the tag cannot be read, or the stack has none: fails saying so", async () => {
    const app = await localApp(0);
    try {
      const log = memoryLog();
      expect(await smoke({ targets: [], expectedTag: SHA, readDeployedTag: async () => ({ ok: false, message: "terraform init exited 1" }), log, ...fast })).toBe(EXIT.failed);
      expect(await smoke({ targets: [], expectedTag: SHA, readDeployedTag: tagIs(undefined), log, ...fast })).toBe(EXIT.failed);
      expect(log.errors).toEqual([`smoke: FAILED: the deployed tag could not be read: terraform init exited 1`, `smoke: FAILED: the stack has no output services_image_tag (not deployed?); expected ${SHA}`]);
    } finally {
      await app.close();
    }
  });
});

describe("what smoke checks", () => {
  test("health paths are the services' healthCheckPath on the environment's hostname", () => {
    expect(healthTargets(staging)).toEqual([
      { service: "backend", url: "https://staging.example.com/backend/healthz" },
      { service: "web", url: "https://staging.example.com/healthz" },
    ]);
    expect(healthTargets(prod).map((t) => t.url)).toContain(`https://${prod.hostnames.app}/healthz`);
    expect(healthTargets(ephemeral(42)).map((t) => t.url)).toEqual(["https://pr-42-staging.example.com/backend/healthz", "https://pr-42-staging.example.com/healthz"]);
  });

  test("expected tag: the SHA for prod and staging, pr-<n>-<sha> for a preview; a short SHA matches its full tag", () => {
    expect(expectedTag(prod, "abc1234")).toBe("abc1234");
    expect(expectedTag(ephemeral(42), "abc1234")).toBe("pr-42-abc1234");
    expect(tagMatches(SHA, "0123456")).toBe(true);
    expect(tagMatches("pr-42-0123456789", "pr-42-0123456")).toBe(true);
    expect(tagMatches("pr-42-0123456", "pr-42-0123456789")).toBe(false);
    expect(tagMatches("0123456-rc", "0123456")).toBe(false);
  });

  test("arguments", () => {
    expect(parseSmokeArgs(["staging", "--sha", SHA])).toMatchObject({ env: { name: "staging" }, sha: SHA, attempts: 12 });
    expect(parseSmokeArgs(["pr-42", "--sha", "abc1234", "--attempts", "3", "--base-url", "http://127.0.0.1:8080"])).toMatchObject({ env: { name: "pr-42" }, attempts: 3, baseUrl: "http://127.0.0.1:8080" });
    expect(() => parseSmokeArgs(["stage", "--sha", SHA])).toThrow(/"stage" is not an environment: use prod, staging or pr-<n>/);
    expect(() => parseSmokeArgs(["staging"])).toThrow(/--sha is missing, e.g. --sha \$\(git rev-parse HEAD\)/);
    expect(() => parseSmokeArgs(["staging", "--sha", "HEAD"])).toThrow(/--sha "HEAD" is not a git SHA/);
    expect(() => parseSmokeArgs(["staging", "--sha", SHA, "--retries", "3"])).toThrow(/unknown argument "--retries"/);
    expect(() => parseSmokeArgs(["staging", "--sha", SHA, "--base-url", "127.0.0.1"])).toThrow(/--base-url "127.0.0.1" is not an origin/);
  });
});

describe("smoke online path (real entry, no AWS credentials)", () => {
  test("stops at missing credentials and does not hang", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-home-"));
    const result = await new Promise<{ code: number | null; stderr: string; signal: string | null }>((resolve) =>
      execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts", "smoke.ts"), "staging", "--sha", SHA], { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, AWS_EC2_METADATA_DISABLED: "true" } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, signal: error?.signal ?? null, stderr }),
      ),
    );
    expect(result.signal).toBeNull();
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/smoke staging: nothing was run: no AWS credentials \(Could not load credentials from any providers\)\. Run with staging's deploy role/);
  });
});

/** main.ts as the CLI runs it: bad input fails before any output is written. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function runMain(extraEnv: Record<string, string>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-main-"));
  const r = spawnSync(tsx, ["main.ts"], { cwd: root, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir, SHIPKIT_OFFLINE: "1", SHIPKIT_OFFLINE_STATE_DIR: path.join(outdir, "state"), ...extraEnv } });
  const written = fs.readdirSync(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...r, written };
}

describe("main.ts", () => {
  test("PR_NUMBER=42 synthesizes the bootstrap stacks, the edge, prod, staging, pr-42 and their dns stacks", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-main-"));
    const r = spawnSync(tsx, ["main.ts"], { cwd: root, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir, SHIPKIT_OFFLINE: "1", PR_NUMBER: "42" } });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["bootstrap-111111111111", "bootstrap-222222222222", "edge-example-com", "pr-42", "pr-42-dns", "prod", "prod-dns", "staging", "staging-dns"]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test.each(["abc", "0", "-1", "123456789"])("PR_NUMBER=%s fails before any output", (pr) => {
    const r = runMain({ PR_NUMBER: pr });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`PR_NUMBER "${pr}" is not a pull-request number`);
    expect(r.written).toEqual([]);
  });

  test("SHIPKIT_OPEN_PREVIEWS: a bad count, or one preview too many for staging's ALB, fails before any output", () => {
    const bad = runMain({ PR_NUMBER: "57", SHIPKIT_OPEN_PREVIEWS: "many" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('SHIPKIT_OPEN_PREVIEWS "many" is not a count of open previews');
    expect(bad.written).toEqual([]);
    const full = runMain({ PR_NUMBER: "57", SHIPKIT_OPEN_PREVIEWS: "49" });
    expect(full.status).toBe(1);
    expect(full.stderr).toContain("pr-57: 49 other previews are open and staging's ALB fits 49 (100 target groups per ALB, not adjustable");
    expect(full.written).toEqual([]);
  });
});

describe("scripts/deploy.ts", () => {
  test("refuses offline mode", () => {
    const r = spawnSync(tsx, ["scripts/deploy.ts", "prod"], { cwd: root, encoding: "utf8", env: { ...process.env, SHIPKIT_OFFLINE: "1" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/deploy: refused\. SHIPKIT_OFFLINE=1 is for plans only/);
  });
  test("needs exactly one known stack", () => {
    const r = spawnSync(tsx, ["scripts/deploy.ts", "qa"], { cwd: root, encoding: "utf8", env: { ...process.env, SHIPKIT_OFFLINE: "" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/"qa" is not one of: .*\bprod\b.*\bstaging\b/);
  });
  test("accepts only --auto-approve after the stack", () => {
    const r = spawnSync(tsx, ["scripts/deploy.ts", "staging", "--yes"], { cwd: root, encoding: "utf8", env: { ...process.env, SHIPKIT_OFFLINE: "" } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown flag\(s\): --yes/);
  });
});

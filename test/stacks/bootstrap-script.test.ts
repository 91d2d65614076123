/** npm run bootstrap: deploy an account's bootstrap stack, then move its local state into the bucket it created. */
import * as path from "node:path";
import { bootstrap, parseBootstrapArgs, type BootstrapDeps } from "../../scripts/lib/bootstrap";
import { EXIT } from "../../scripts/lib/preview-tools";
import { memoryLog, recordingRunner, runScript } from "../scripts/preview-helpers";

const ACCOUNTS = ["111111111111", "222222222222"];
const ROOT = "/project";
const LOCAL = path.join(ROOT, ".bootstrap-state", "bootstrap-222222222222.tfstate");
const DIR = path.join(ROOT, "cdktf.out", "stacks", "bootstrap-222222222222");

const CACHE = path.join(DIR, ".terraform", "terraform.tfstate");
const backendCache = (type: string, config: Record<string, unknown>) => JSON.stringify({ version: 3, backend: { type, config, hash: 1 } });

function deps(opts: { state?: "local" | "bucket"; files?: string[]; failing?: RegExp; texts?: Record<string, string> } = {}) {
  const log = memoryLog();
  const run = recordingRunner((line) => (opts.failing?.test(line) ? { code: 1 } : undefined));
  const made: string[] = [];
  let synths = 0;
  const d: BootstrapDeps = {
    env: {},
    root: ROOT,
    log,
    run,
    synth: () => void synths++,
    exists: (f) => (opts.files ?? []).includes(f),
    readText: (f) => opts.texts?.[f],
    mkdir: (dir) => void made.push(dir),
    state: { "222222222222": opts.state ?? "local" },
  };
  return { d, log, run, made, synths: () => synths };
}

describe("npm run bootstrap", () => {
  test("deploys bootstrap-<account> (local state folder created first), then says how to migrate", async () => {
    const { d, run, made, log } = deps();
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--auto-approve"], ACCOUNTS), d)).toBe(EXIT.ok);
    expect(made).toEqual([path.join(ROOT, ".bootstrap-state")]);
    expect(run.lines()).toEqual(["npx cdktf deploy bootstrap-222222222222 --auto-approve"]);
    expect(run.calls[0]!.env.CHECKPOINT_DISABLE).toBe("1");
    expect(log.text()).toMatch(/set "222222222222": "bucket" in environments\/bootstrap\.ts, then npm run bootstrap -- 222222222222 --migrate-state/);
  });

  test("--migrate-state in the checkout that deployed: terraform init -migrate-state -force-copy in the stack folder", async () => {
    const { d, run, synths } = deps({ state: "bucket", files: [LOCAL, CACHE], texts: { [CACHE]: backendCache("local", { path: LOCAL }) } });
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), d)).toBe(EXIT.ok);
    expect(synths()).toBe(1);
    expect(run.calls.map((c) => [c.cwd, `${c.command} ${c.args.join(" ")}`])).toEqual([[DIR, "terraform init -input=false -migrate-state -force-copy"]]);
  });

  test("--migrate-state from a fresh checkout: init against the bucket, then state push of the local file", async () => {
    const { d, run } = deps({ state: "bucket", files: [LOCAL] });
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), d)).toBe(EXIT.ok);
    expect(run.lines()).toEqual(["terraform init -input=false", `terraform state push ${LOCAL}`]);
  });

  test("--migrate-state never force-copies from a backend cache that is not the local bootstrap state", async () => {
    for (const cache of [backendCache("s3", { bucket: "b", key: "bootstrap-222222222222/terraform.tfstate" }), backendCache("local", { path: "/elsewhere/x.tfstate" }), "not json"]) {
      const { d, run } = deps({ state: "bucket", files: [LOCAL, CACHE], texts: { [CACHE]: cache } });
      expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), d)).toBe(EXIT.ok);
      expect(run.lines()).toEqual(["terraform init -input=false", `terraform state push ${LOCAL}`]);
    }
  });

  test("--migrate-state refuses while the config still says local, or without the local state", async () => {
    const local = deps({ state: "local", files: [LOCAL] });
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), local.d)).toBe(EXIT.usage);
    expect(local.log.errors.join("\n")).toMatch(/still says "local" for 222222222222; set it to "bucket" first/);
    const none = deps({ state: "bucket" });
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), none.d)).toBe(EXIT.usage);
    expect(none.run.calls).toEqual([]);
  });

  test("a failed step exits 1 and leaves the local state alone", async () => {
    const { d, log } = deps({ state: "bucket", files: [LOCAL], failing: /state push/ });
    expect(await bootstrap(parseBootstrapArgs(["222222222222", "--migrate-state"], ACCOUNTS), d)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/terraform state push .* exited 1\. The local state .* is untouched/);
  });

  test("arguments: an account of prod or staging, known flags only; the real entry exits 2 on a bad one", async () => {
    expect(() => parseBootstrapArgs(["333333333333"], ACCOUNTS)).toThrow(/"333333333333" is not an account of prod or staging \(111111111111, 222222222222\)/);
    expect(() => parseBootstrapArgs(["111111111111", "--force"], ACCOUNTS)).toThrow(/unknown flag\(s\) --force/);
    const r = await runScript("bootstrap.ts", ["nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run bootstrap -- <account id>/);
  });
});

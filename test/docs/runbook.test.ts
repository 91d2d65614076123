import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app";

/**
 * docs/runbook.md is run at 3 am by someone who pastes it: its commands must work. Checked here
 * against the synthesized stacks (which outputs are lists), package.json (which npm scripts exist)
 * and a real Terraform (the runbook's own output helpers, run on a real state).
 */
const ROOT = path.resolve(__dirname, "../..");
const RUNBOOK = fs.readFileSync(path.join(ROOT, "docs/runbook.md"), "utf8");
const DOCS = ["docs/runbook.md", "docs/edge.md", "docs/toolchain-notes.md"].map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")] as const);

/**
 * npm scripts the issue-13 work split names before their owners land them (the contract every
 * part codes against); `bootstrap:*` is a family. Everything else must be in package.json.
 */
const PLANNED_SCRIPTS = ["plan", "plan:offline", "deploy", "preview:up", "preview:down", "previews:sweep", "smoke"];
const PLANNED_PREFIXES = ["bootstrap:"];

type Outputs = Record<string, { value: unknown }>;

/** Output names that are lists in some synthesized stack, plus outputs that re-export one (a preview's private_subnet_ids is staging's). */
function listOutputs(): Set<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-runbook-"));
  try {
    const { app, stacks } = buildApp({ prNumber: 42, deployment: { mode: "offline", stateDir: path.join(outdir, "state") }, outdir });
    app.synth();
    const all = stacks.map((s) => (JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s.name, "cdk.tf.json"), "utf8")) as { output?: Outputs }).output ?? {});
    const lists = new Set(all.flatMap((o) => Object.entries(o).filter(([, v]) => Array.isArray(v.value)).map(([k]) => k)));
    for (const o of all)
      for (const [k, v] of Object.entries(o)) {
        const ref = typeof v.value === "string" ? /\.outputs\.([a-z0-9_]+)\}$/.exec(v.value) : null;
        if (ref && lists.has(ref[1]!)) lists.add(k);
      }
    return lists;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Shell functions the runbook defines, by name, with their body. */
const shellFunctions = (): Map<string, string> => new Map([...RUNBOOK.matchAll(/^\s*([a-z]+)\(\)\s*\{(.*)\}\s*$/gm)].map((m) => [m[1]!, m[2]!]));

describe("docs/runbook.md", () => {
  const lists = listOutputs();
  const fns = shellFunctions();
  const rawFns = [...fns].filter(([, body]) => /output -raw\b/.test(body)).map(([name]) => name);
  const jsonFns = [...fns].filter(([, body]) => /output -json\b/.test(body)).map(([name]) => name);

  it("knows the list outputs of the synthesized stacks", () => {
    expect([...lists]).toEqual(expect.arrayContaining(["private_subnet_ids", "public_subnet_ids", "isolated_subnet_ids"]));
    expect(rawFns).toEqual(["out"]);
    expect(jsonFns).toEqual(["outl"]);
  });

  it("never reads a list output with terraform output -raw, directly or through a -raw helper", () => {
    const misuse: string[] = [];
    for (const name of lists) {
      if (new RegExp(`output\\s+-raw\\s+["']?${name}\\b`).test(RUNBOOK)) misuse.push(`output -raw ${name}`);
      for (const fn of rawFns) if (new RegExp(`(?<![\\w-])${fn}\\s+["']?${name}\\b`).test(RUNBOOK)) misuse.push(`${fn} ${name}`);
    }
    expect(misuse).toEqual([]);
    // ...and it does read them, with the -json helper.
    expect(RUNBOOK).toMatch(new RegExp(`(?:${jsonFns.join("|")}) private_subnet_ids`));
  });

  it("mentions only npm scripts that exist in package.json or are planned", () => {
    const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
    const unknown: string[] = [];
    let seen = 0;
    for (const [file, text] of DOCS)
      for (const m of text.matchAll(/npm run (?:-s |--silent )?([a-z][\w:-]*)/g)) {
        seen++;
        const name = m[1]!;
        if (!scripts.includes(name) && !PLANNED_SCRIPTS.includes(name) && !PLANNED_PREFIXES.some((p) => name.startsWith(p))) unknown.push(`${file}: npm run ${name}`);
      }
    expect(seen).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });

  it("sets CHECKPOINT_DISABLE=1 on every bare cdktf call", () => {
    const bare = RUNBOOK.split("\n").filter((l) => /npx cdktf /.test(l) && !/CHECKPOINT_DISABLE=1/.test(l));
    expect(bare).toEqual([]);
  });

  it("has output helpers that work on a real Terraform state: lists comma-joined, strings raw", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-runbook-tf-"));
    try {
      const stackDir = path.join(dir, "cdktf.out", "stacks", "staging");
      fs.mkdirSync(stackDir, { recursive: true });
      fs.writeFileSync(
        path.join(stackDir, "main.tf"),
        'output "private_subnet_ids" { value = ["subnet-0a", "subnet-0b"] }\noutput "ecs_cluster_name" { value = "shipkit-staging-cluster" }\n',
      );
      const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
      execFileSync("terraform", ["-chdir=" + stackDir, "init", "-input=false", "-no-color"], { env, stdio: "pipe" });
      execFileSync("terraform", ["-chdir=" + stackDir, "apply", "-auto-approve", "-input=false", "-no-color"], { env, stdio: "pipe" });
      const defs = ["out", "outl"].map((fn) => `${fn}() {${fns.get(fn)!}}`).join("\n");
      const sh = (cmd: string) => spawnSync("bash", ["-c", `set -o pipefail\nstack=staging\n${defs}\n${cmd}`], { cwd: dir, env, encoding: "utf8" });
      expect(sh("outl private_subnet_ids")).toMatchObject({ status: 0, stdout: "subnet-0a,subnet-0b" });
      expect(sh("out ecs_cluster_name")).toMatchObject({ status: 0, stdout: "shipkit-staging-cluster" });
      // The hazard the helpers avoid: Terraform 1.11 refuses -raw on a list.
      const raw = sh("out private_subnet_ids");
      expect(raw.status).not.toBe(0);
      expect(raw.stderr).toContain("Unsupported value for raw output");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

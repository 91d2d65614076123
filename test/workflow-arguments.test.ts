/**
 * Every `npm run <script> -- <args>` line of every workflow, with its shell variables set the way
 * the workflow sets them, goes through that script's own argument parser: a flag the script does
 * not know, a missing value or an unknown stack fails here, not in a run on GitHub.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { buildApp } from "../app";
import { parseMirrorArgs } from "../scripts/lib/ci-provider-mirror";
import { ciTarget } from "../scripts/lib/ci-target";
import { parseMigrateArgs } from "../scripts/lib/migrate";
import { parsePlanArgs, selectStacks } from "../scripts/lib/plan-cli";
import { prFromArgv } from "../scripts/lib/preview-tools";
import { parseSmokeArgs } from "../scripts/lib/smoke";
import { parseSweepArgs } from "../scripts/lib/sweep";

const dir = path.join(__dirname, "..", ".github", "workflows");
const PR = "42";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const { stacks } = buildApp({ prNumber: Number(PR), deployment: { mode: "online" }, outdir: fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-wfargs-")) });
const stackNames = stacks.map((s) => s.name);

/** Values the workflows give their shell variables (matrix entries: each one). */
const VARIABLES: Readonly<Record<string, readonly string[]>> = {
  STACK: ["staging", "prod", `pr-${PR}`],
  PR: [PR],
  GITHUB_SHA: [SHA],
  BASE_SHA: ["fedcba9876543210fedcba9876543210fedcba98"],
  RUNNER_TEMP: ["/tmp/runner-temp"],
  DNS_STACK: ["staging-dns", "prod-dns", `pr-${PR}-dns`],
  EDGE_STACK: [stackNames.find((n) => n.startsWith("edge-"))!],
};

/** The `run:` lines of every step that call npm run. */
function npmRunLines(): { file: string; line: string }[] {
  const out: { file: string; line: string }[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parse(fs.readFileSync(path.join(dir, file), "utf8")) as { jobs: Record<string, { steps?: { run?: string }[] }> };
    for (const job of Object.values(doc.jobs)) for (const step of job.steps ?? []) for (const line of (step.run ?? "").split("\n")) if (/^\s*npm run /.test(line)) out.push({ file, line: line.trim() });
  }
  return out;
}

/** Every expansion of a line's variables, split into words (double quotes removed; a redirect to $GITHUB_OUTPUT or $GITHUB_ENV dropped). */
function expansions(line: string): string[][] {
  const names = [...new Set([...line.matchAll(/\$\{?([A-Z_]+)\}?/g)].map((m) => m[1]!))].filter((n) => n !== "GITHUB_OUTPUT" && n !== "GITHUB_ENV");
  for (const n of names) if (!VARIABLES[n]) throw new Error(`${line}: the test does not know what the workflow puts in $${n}; add it to VARIABLES`);
  let lines = [line.replace(/>>\s*"?\$GITHUB_(OUTPUT|ENV)"?/, "")];
  for (const n of names) lines = lines.flatMap((l) => VARIABLES[n]!.map((v) => l.replace(new RegExp(`\\$\\{?${n}\\}?`, "g"), v)));
  return lines.map((l) => l.replace(/"/g, "").trim().split(/\s+/));
}

/** Checks one `npm run <script> -- <args>`; throws what the script would say. */
function check(words: string[]): void {
  const [, , ...rest] = words; // npm run
  const silent = rest[0] === "--silent" ? 1 : 0;
  const script = rest[silent]!;
  const args = rest[silent + 1] === "--" ? rest.slice(silent + 2) : rest.slice(silent + 1);
  if (args.length && rest[silent + 1] !== "--") throw new Error(`arguments without "--" go to npm, not the script: ${words.join(" ")}`);
  switch (script) {
    case "plan":
      selectStacks(stacks, parsePlanArgs(args, { base: false, positional: true }).stacks);
      return;
    case "plan:offline":
      selectStacks(stacks, parsePlanArgs(args, { base: true, positional: false }).stacks);
      return;
    case "ci:provider-mirror":
      parseMirrorArgs(args);
      return;
    case "deploy":
      if (!stackNames.includes(args[0]!) || args.slice(1).some((f) => f !== "--auto-approve")) throw new Error(`deploy: ${args.join(" ")}`);
      return;
    case "migrate":
      parseMigrateArgs(args);
      return;
    case "smoke":
      parseSmokeArgs(args);
      return;
    case "previews:sweep":
      parseSweepArgs(args);
      return;
    case "preview:up":
    case "preview:down":
      if (prFromArgv(args, script) === undefined) throw new Error(`${script}: ${args.join(" ")}`);
      return;
    case "ci:target":
      if (args.length !== 1) throw new Error(`ci:target takes one stack: ${args.join(" ")}`);
      ciTarget(args[0]);
      return;
    default:
      throw new Error(`no argument check for npm run ${script}: add one here`);
  }
}

const lines = npmRunLines();

test("the workflows call npm scripts with arguments", () => {
  expect(lines.length).toBeGreaterThan(10);
});

test.each(lines.map((l) => [l.file, l.line]))("%s: %s parses with the script's own parser", (_file, line) => {
  for (const words of expansions(line)) expect(() => check(words)).not.toThrow();
});

test("the check can fail: an unknown flag, an unknown stack, a bad SHA", () => {
  expect(() => check(["npm", "run", "plan", "--", "staging", "--markdwon", "x.md"])).toThrow(/unknown flag --markdwon/);
  expect(() => check(["npm", "run", "plan", "--", "qa"])).toThrow(/"qa" is not a stack/);
  expect(() => check(["npm", "run", "migrate", "--", "prod", "--sha", "main"])).toThrow();
  expect(() => check(["npm", "run", "deploy", "--", "prod", "--yes"])).toThrow();
  expect(() => check(["npm", "run", "plan:offline", "--", "--base", SHA, "--stack", "qa"])).toThrow(/"qa" is not a stack/);
  expect(() => check(["npm", "run", "ci:provider-mirror", "--"])).toThrow(/the folder to fill is missing/);
});

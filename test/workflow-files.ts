/**
 * The repository's GitHub Actions workflows, parsed (the `yaml` package), for the workflow tests:
 * test/workflows.test.ts, test/ci-origin-secrets.test.ts, test/ci-cloudflare-tokens.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
export interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  strategy?: { matrix?: Record<string, unknown> };
  env?: Record<string, string>;
  steps: Step[];
}
export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Folder of the workflows. */
export const WORKFLOW_DIR = path.resolve(__dirname, "..", ".github", "workflows");

/** Every workflow file (`*.yml`, `*.yaml`), sorted. */
export const workflowFiles = (): string[] =>
  fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

/** Every workflow, parsed, by file name. */
export const readWorkflows = (): Record<string, Workflow> => Object.fromEntries(workflowFiles().map((f) => [f, parse(fs.readFileSync(path.join(WORKFLOW_DIR, f), "utf8")) as Workflow]));

/** The expression a workflow uses to read a secret: `${{ secrets.<name> }}`. */
export const secretRef = (name: string): string => `\${{ secrets.${name} }}`;

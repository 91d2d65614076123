/**
 * The origin-verify secrets in the workflows, one per class (stacks/edge-contract.ts): prod's
 * (`ORIGIN_VERIFY_SECRET_PROD`, an environment secret of the GitHub environment prod) reaches only
 * jobs in that environment; every job that deploys or plans an environment stack gets the secret of
 * that stack's class (`originSecretClass`) as TF_VAR_origin_verify_secret and its `_PREVIOUS` as
 * TF_VAR_origin_verify_secret_previous; the edge deploy gets every class's as
 * TF_VAR_origin_verify_secret_<class>. Read from the parsed YAML, names from the contract.
 */
import { ephemeral, prod, staging } from "../environments";
import { github } from "../environments/github";
import { edgeOriginSecretVariable, githubOriginSecret, githubPreviousOriginSecret, ORIGIN_SECRET_PREVIOUS_VARIABLE, ORIGIN_SECRET_VARIABLE, originSecretClass, type OriginSecretClass } from "../stacks/edge-contract";
import { ciTarget } from "../scripts/lib/ci-target";
import { readWorkflows, secretRef, type Job, type Workflow } from "./workflow-files";

const workflows = readWorkflows();
const CLASSES: readonly OriginSecretClass[] = ["prod", "staging"];
const PR = 42;
const TF_SECRET = `TF_VAR_${ORIGIN_SECRET_VARIABLE}`;
const TF_PREVIOUS = `TF_VAR_${ORIGIN_SECRET_PREVIOUS_VARIABLE}`;

/** Every string anywhere in a value (env values, step inputs, scripts). */
const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === "object" ? Object.values(v).flatMap(strings) : []);

/** What a job can read: its own content plus the workflow-level env. */
const reach = (w: Workflow, job: Job): string[] => [...strings(w.env), ...strings(job)];

/** Names of the secrets a job references (`secrets.NAME`), and whether it reads them any other way (`secrets[...]`, `toJSON(secrets)`). */
function secretsOf(w: Workflow, job: Job): { names: string[]; indirect: boolean } {
  const text = reach(w, job).join("\n");
  return { names: [...new Set([...text.matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort(), indirect: /\bsecrets\s*\[|\(\s*secrets\s*\)/.test(text) };
}

const inProdEnvironment = (job: Job): boolean => (typeof job.environment === "string" ? job.environment : job.environment?.name) === github.prodEnvironment;

/** Jobs outside the GitHub environment prod that could read one of prod's secrets (its current or previous value). */
function prodSecretLeaks(all: Readonly<Record<string, Workflow>>): string[] {
  const prodNames = [githubOriginSecret("prod"), githubPreviousOriginSecret("prod")];
  return Object.entries(all).flatMap(([file, w]) =>
    Object.entries(w.jobs)
      .filter(([, job]) => !inProdEnvironment(job))
      .filter(([, job]) => {
        const s = secretsOf(w, job);
        return s.indirect || s.names.some((n) => prodNames.includes(n));
      })
      .map(([name]) => `${file}:${name}`),
  );
}

/**
 * The environments a job deploys or plans, from its `npm run --silent ci:target -- <stack>` line
 * (matrix values expanded; `pr-$PR` is a preview): the stacks whose class decides its secret.
 */
function targetsOf(job: Job): string[] {
  const line = job.steps.map((s) => s.run ?? "").find((r) => r.includes("ci:target"));
  if (!line) return [];
  const arg = /ci:target -- "?([^"\s]+)"?/.exec(line)![1]!;
  if (arg === "$STACK") return (job.strategy!.matrix!.stack as string[]).map((s) => (s === "preview" ? `pr-${PR}` : s));
  return [arg.replace("$PR", String(PR))];
}
const envOf = (name: string) => (name === "prod" ? prod : name === "staging" ? staging : ephemeral(Number(/^pr-(\d+)$/.exec(name)![1])));

/** Where a job sets a variable: the workflow, the job, or a step (the innermost wins, as in Actions). */
function settingsOf(w: Workflow, job: Job, key: string): { step: string; value: string | undefined }[] {
  return job.steps.map((s) => ({ step: s.name ?? s.run ?? "(uses)", value: s.env?.[key] ?? job.env?.[key] ?? w.env?.[key] }));
}

/** Jobs whose TF_VAR_origin_verify_secret(_previous) is not their stacks' class's secret (or is missing where terraform runs). */
function wrongClassSecrets(all: Readonly<Record<string, Workflow>>): string[] {
  const problems: string[] = [];
  for (const [file, w] of Object.entries(all))
    for (const [name, job] of Object.entries(w.jobs)) {
      const targets = targetsOf(job);
      const classes = [...new Set(targets.map((t) => originSecretClass(envOf(t))))];
      for (const [key, expected] of [
        [TF_SECRET, githubOriginSecret],
        [TF_PREVIOUS, githubPreviousOriginSecret],
      ] as const) {
        for (const { step, value } of settingsOf(w, job, key)) {
          if (value === undefined) continue;
          if (classes.length !== 1 || value !== secretRef(expected(classes[0]!))) problems.push(`${file}:${name}: "${step}" sets ${key}=${value} for ${targets.join(", ") || "no stack"}`);
        }
        // Every step that deploys, plans, migrates or tears down an environment stack has it.
        for (const s of job.steps.filter((s) => /^npm run (deploy -- (staging|prod)\b|plan -- |migrate|preview:|previews:sweep)/.test(s.run ?? "")))
          if ((s.env?.[key] ?? job.env?.[key] ?? w.env?.[key]) === undefined) problems.push(`${file}:${name}: "${s.run}" runs without ${key}`);
      }
    }
  return problems;
}

test("no job outside the GitHub environment prod references prod's secrets (nor reads secrets indirectly)", () => {
  expect(prodSecretLeaks(workflows)).toEqual([]);
  // And the ones inside it do: the prod deploy job.
  const prodJobs = Object.entries(workflows).flatMap(([f, w]) => Object.entries(w.jobs).filter(([, j]) => inProdEnvironment(j)).map(([n, j]) => [`${f}:${n}`, secretsOf(w, j).names]));
  expect(prodJobs).toEqual([["deploy.yml:prod", expect.arrayContaining([githubOriginSecret("prod"), githubPreviousOriginSecret("prod")])]]);
});

test("the old single secret ORIGIN_VERIFY_SECRET is gone from every workflow", () => {
  for (const [file, w] of Object.entries(workflows)) for (const [name, job] of Object.entries(w.jobs)) expect({ job: `${file}:${name}`, old: secretsOf(w, job).names.includes("ORIGIN_VERIFY_SECRET") }).toEqual({ job: `${file}:${name}`, old: false });
});

test("each job's TF_VAR_origin_verify_secret and _previous are the class's of the stacks it deploys or plans", () => {
  expect(wrongClassSecrets(workflows)).toEqual([]);
});

test("the jobs covered: staging, preview up/down, the sweeper and the online PR plans use staging's; the prod deploy job prod's", () => {
  const used = Object.fromEntries(
    Object.entries(workflows).flatMap(([f, w]) => Object.entries(w.jobs).map(([n, j]) => [`${f}:${n}`, [...new Set(settingsOf(w, j, TF_SECRET).map((s) => s.value).filter(Boolean))]])),
  );
  const staging = [secretRef(githubOriginSecret(originSecretClass(ephemeral(PR))))];
  expect(used).toMatchObject({
    "deploy.yml:staging": staging,
    "deploy.yml:prod": [secretRef(githubOriginSecret(originSecretClass(prod)))],
    "preview.yml:up": staging,
    "preview.yml:down": staging,
    "preview-sweeper.yml:sweep": staging,
    "pr-plan.yml:plan": staging,
    "pr-plan.yml:plan-prod": [],
  });
  // The sweeper destroys previews with staging's role: ci:target staging, and previews are staging's class.
  expect(ciTarget("staging").env).toBe(originSecretClass(ephemeral(PR)));
});

test("the edge deploy step gets every class's current secret as TF_VAR_origin_verify_secret_<class>", () => {
  const job = workflows["deploy.yml"]!.jobs.prod!;
  const edge = job.steps.find((s) => s.run === 'npm run deploy -- "$EDGE_STACK" --auto-approve')!;
  for (const cls of CLASSES) expect(edge.env![`TF_VAR_${edgeOriginSecretVariable(cls)}`]).toBe(secretRef(githubOriginSecret(cls)));
  // Only that step: the staging secret is not job-wide in prod's job, and no other step sets an edge variable.
  const edgeVars = CLASSES.map((c) => `TF_VAR_${edgeOriginSecretVariable(c)}`);
  const elsewhere = Object.entries(workflows).flatMap(([f, w]) =>
    Object.entries(w.jobs).flatMap(([n, j]) => [
      ...Object.keys({ ...w.env, ...j.env }).filter((k) => edgeVars.includes(k)).map((k) => `${f}:${n}: ${k}`),
      ...j.steps.filter((s) => s !== edge && Object.keys(s.env ?? {}).some((k) => edgeVars.includes(k))).map((s) => `${f}:${n}: ${s.name ?? s.run}`),
    ]),
  );
  expect(elsewhere).toEqual([]);
});

describe("the checks can fail", () => {
  const base = (): Record<string, Workflow> => JSON.parse(JSON.stringify(workflows)) as Record<string, Workflow>;
  test("prod's secret (or its previous value) in a job outside the environment, or all secrets via toJSON", () => {
    const a = base();
    a["deploy.yml"]!.jobs.staging!.env![TF_PREVIOUS] = secretRef(githubPreviousOriginSecret("prod"));
    expect(prodSecretLeaks(a)).toEqual(["deploy.yml:staging"]);
    const b = base();
    b["pr-plan.yml"]!.env = { ...b["pr-plan.yml"]!.env, ALL: "${{ toJSON(secrets) }}" };
    expect(prodSecretLeaks(b)).toEqual(["pr-plan.yml:plan", "pr-plan.yml:plan-prod", "pr-plan.yml:comment"]);
    const c = base();
    delete c["deploy.yml"]!.jobs.prod!.environment;
    expect(prodSecretLeaks(c)).toEqual(["deploy.yml:prod"]);
  });
  test("a job given another class's secret, or a deploy step without one", () => {
    const a = base();
    a["preview.yml"]!.env![TF_SECRET] = secretRef(githubOriginSecret("prod"));
    expect(wrongClassSecrets(a)).toEqual(expect.arrayContaining([expect.stringMatching(/^preview\.yml:up: .* sets TF_VAR_origin_verify_secret=\$\{\{ secrets\.ORIGIN_VERIFY_SECRET_PROD \}\} for pr-42$/)]));
    const b = base();
    b["deploy.yml"]!.jobs.prod!.env![TF_SECRET] = secretRef(githubOriginSecret("staging"));
    expect(wrongClassSecrets(b).length).toBeGreaterThan(0);
    const c = base();
    delete c["preview-sweeper.yml"]!.jobs.sweep!.env![TF_PREVIOUS];
    expect(wrongClassSecrets(c)).toEqual(expect.arrayContaining([expect.stringMatching(/^preview-sweeper\.yml:sweep: "npm run previews:sweep" runs without TF_VAR_origin_verify_secret_previous$/)]));
  });
});

/**
 * The two Cloudflare API tokens in the workflows (environments/github.ts CLOUDFLARE_TOKEN_SECRETS,
 * docs/ci.md): the repository secret CLOUDFLARE_API_TOKEN is DNS only and is what staging's job, the
 * previews and the sweeper get; CLOUDFLARE_EDGE_API_TOKEN (an environment secret of prod: Zone
 * Transform Rules Write, which reads both classes' origin-verify secrets in the late-transform
 * ruleset) reaches the prod job's edge step and nothing else. Read from the parsed YAML; the
 * DNS-only token's sufficiency from the synthesized *-dns stacks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { ephemeral, prod, staging } from "../environments";
import { CLOUDFLARE_TOKEN_SECRETS, CLOUDFLARE_TOKEN_VARIABLE, github } from "../environments/github";
import { githubOriginSecret, ORIGIN_SECRET_VARIABLE } from "../stacks/edge-contract";
import { DnsStack } from "../stacks/dns-stack";
import { OFFLINE, synthStrict } from "./helpers";
import { readWorkflows, secretRef, type Job, type Step, type Workflow } from "./workflow-files";

const workflows = readWorkflows();
const ref = secretRef;
const EDGE = CLOUDFLARE_TOKEN_SECRETS.edge;
const DNS = CLOUDFLARE_TOKEN_SECRETS.dns;
const EDGE_RUN = 'npm run deploy -- "$EDGE_STACK" --auto-approve';

const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === "object" ? Object.values(v).flatMap(strings) : []);
/** Whether some text names the edge token's secret, or reads secrets in a way no name check sees (`secrets[...]`, `toJSON(secrets)`). */
const readsEdge = (texts: readonly string[]): boolean => texts.some((t) => new RegExp(`\\bsecrets\\.${EDGE}\\b`).test(t) || /\bsecrets\s*\[|\(\s*secrets\s*\)/.test(t));
const inProdEnvironment = (job: Job): boolean => (typeof job.environment === "string" ? job.environment : job.environment?.name) === github.prodEnvironment;
const label = (file: string, job: string, step?: Step): string => `${file}:${job}${step ? `: ${step.name ?? step.run ?? step.uses}` : ""}`;
/** The value a step sees for a variable: step, then job, then workflow (as Actions resolves env). */
const effective = (w: Workflow, job: Job, step: Step, key: string): string | undefined => step.env?.[key] ?? job.env?.[key] ?? w.env?.[key];
/** Whether a step can read the edge token: its own content, its job's env or the workflow's env. */
const stepReachesEdge = (w: Workflow, job: Job, step: Step): boolean => readsEdge([...strings(step), ...strings(job.env), ...strings(w.env)]);

/** Jobs outside the GitHub environment prod that reference the edge token anywhere (or all secrets). */
function edgeOutsideProd(all: Readonly<Record<string, Workflow>>): string[] {
  return Object.entries(all).flatMap(([f, w]) =>
    Object.entries(w.jobs)
      .filter(([, j]) => !inProdEnvironment(j) && readsEdge([...strings(w.env), ...strings(j)]))
      .map(([n]) => label(f, n)),
  );
}

/** Every step that can read the edge token, and where the token is set above step level (job or workflow env). */
function edgeReach(all: Readonly<Record<string, Workflow>>): { steps: string[]; wide: string[] } {
  const steps: string[] = [];
  const wide: string[] = [];
  for (const [f, w] of Object.entries(all)) {
    if (readsEdge(strings(w.env))) wide.push(`${f}: workflow env`);
    for (const [n, j] of Object.entries(w.jobs)) {
      if (readsEdge(strings(j.env))) wide.push(`${label(f, n)}: job env`);
      for (const s of j.steps) if (stepReachesEdge(w, j, s)) steps.push(label(f, n, s));
    }
  }
  return { steps, wide };
}

/**
 * Why a step acts for staging or a preview (empty: it does not): its workflow runs on pull
 * requests, its job targets staging or a preview (`ci:target`), it has staging's origin secret as
 * its own TF_VAR_origin_verify_secret, or its command deploys, plans, migrates, sweeps or previews
 * staging or a preview.
 */
function stagingContext(w: Workflow, job: Job, step: Step): string[] {
  const why: string[] = [];
  const triggers = typeof w.on === "string" ? [w.on] : Array.isArray(w.on) ? w.on : Object.keys(w.on);
  if (triggers.some((t) => t.startsWith("pull_request"))) why.push("pull_request workflow");
  const target = job.steps.map((s) => s.run ?? "").find((r) => r.includes("ci:target"));
  if (target && /ci:target -- "?(staging|pr-|\$STACK|\$PR)/.test(target)) why.push("job targets staging or a preview");
  if (effective(w, job, step, `TF_VAR_${ORIGIN_SECRET_VARIABLE}`) === ref(githubOriginSecret("staging"))) why.push("staging's origin secret");
  if (/\bpreviews?:|-- "?(staging\b|pr-)/.test(step.run ?? "")) why.push("staging or preview command");
  return why;
}

/** Steps that both act for staging or a preview and can read the edge token. */
function mixedSteps(all: Readonly<Record<string, Workflow>>): string[] {
  return Object.entries(all).flatMap(([f, w]) =>
    Object.entries(w.jobs).flatMap(([n, j]) =>
      j.steps.filter((s) => stepReachesEdge(w, j, s) && stagingContext(w, j, s).length).map((s) => `${label(f, n, s)} (${stagingContext(w, j, s).join(", ")})`),
    ),
  );
}

/** Steps that touch a *-dns stack (deploy, preview up/down, the sweeper's apply) without the DNS-only token as CLOUDFLARE_API_TOKEN. */
function dnsStepsWithoutDnsToken(all: Readonly<Record<string, Workflow>>): string[] {
  return Object.entries(all).flatMap(([f, w]) =>
    Object.entries(w.jobs).flatMap(([n, j]) =>
      j.steps
        .filter((s) => /^npm run (deploy -- "\$DNS_STACK"|preview:(up|down)|previews:sweep -- --apply)/.test(s.run ?? ""))
        .filter((s) => effective(w, j, s, CLOUDFLARE_TOKEN_VARIABLE) !== ref(DNS))
        .map((s) => `${label(f, n, s)}: ${CLOUDFLARE_TOKEN_VARIABLE}=${effective(w, j, s, CLOUDFLARE_TOKEN_VARIABLE) ?? "(unset)"}`),
    ),
  );
}

const edgeStep = (all: Readonly<Record<string, Workflow>>): Step => all["deploy.yml"]!.jobs.prod!.steps.find((s) => s.run === EDGE_RUN)!;

describe("Cloudflare tokens in the workflows", () => {
  test("two different secrets; the provider's variable is CLOUDFLARE_API_TOKEN", () => {
    expect(DNS).not.toBe(EDGE);
    expect(CLOUDFLARE_TOKEN_VARIABLE).toBe("CLOUDFLARE_API_TOKEN");
  });

  test("no job outside the GitHub environment prod references the edge token (nor reads secrets indirectly)", () => {
    expect(edgeOutsideProd(workflows)).toEqual([]);
  });

  test("the edge step is the only step that gets the edge token, as CLOUDFLARE_API_TOKEN in its own env", () => {
    expect(edgeReach(workflows)).toEqual({ steps: ["deploy.yml:prod: Deploy the edge (certificates, zone rules)"], wide: [] });
    const step = edgeStep(workflows);
    expect(step.env).toMatchObject({ EDGE_STACK: "${{ steps.target.outputs.edge_stack }}", [CLOUDFLARE_TOKEN_VARIABLE]: ref(EDGE) });
    // Its job is prod's deploy job, in the environment whose approval and branch rule guard the secret.
    expect(inProdEnvironment(workflows["deploy.yml"]!.jobs.prod!)).toBe(true);
  });

  test("no step gets both a staging or preview context and the edge token", () => {
    expect(mixedSteps(workflows)).toEqual([]);
  });

  test("every step that deploys or destroys a *-dns stack gets the DNS-only token (prod-dns included); the jobs outside prod get nothing else", () => {
    expect(dnsStepsWithoutDnsToken(workflows)).toEqual([]);
    const dnsSteps = Object.entries(workflows).flatMap(([f, w]) =>
      Object.entries(w.jobs).flatMap(([n, j]) => j.steps.filter((s) => /^npm run (deploy -- "\$DNS_STACK"|preview:(up|down)|previews:sweep -- --apply)/.test(s.run ?? "")).map((s) => label(f, n, s))),
    );
    expect(dnsSteps).toEqual(
      expect.arrayContaining([
        "deploy.yml:staging: Deploy staging DNS",
        "deploy.yml:prod: Deploy prod DNS",
        "preview.yml:up: npm run preview:up",
        "preview.yml:down: npm run preview:down (db-drop waited for, then pr-<n>-dns and pr-<n>)",
        "preview-sweeper.yml:sweep: Apply",
      ]),
    );
    // Wherever CLOUDFLARE_API_TOKEN is set, it is one of the two secrets, and the edge one only on the edge step.
    for (const [f, w] of Object.entries(workflows))
      for (const [n, j] of Object.entries(w.jobs))
        for (const s of j.steps) {
          const v = effective(w, j, s, CLOUDFLARE_TOKEN_VARIABLE);
          if (v !== undefined) expect({ step: label(f, n, s), v }).toEqual({ step: label(f, n, s), v: s === edgeStep(workflows) ? ref(EDGE) : ref(DNS) });
        }
  });
});

describe("the DNS-only token suffices for what gets it", () => {
  // Zone Read + DNS Write cover cloudflare_dns_record and nothing else: a *-dns stack with any other
  // Cloudflare resource or data source would need the edge token's permissions.
  test.each([prod, staging, ephemeral(42)])("%s's dns stack has only cloudflare_dns_record resources and no Cloudflare data source", (env) => {
    const json = synthStrict(new DnsStack(Testing.app(), { env, deployment: OFFLINE })) as { resource?: Record<string, unknown>; data?: Record<string, unknown> };
    expect(Object.keys(json.resource ?? {}).filter((t) => t.startsWith("cloudflare_"))).toEqual(["cloudflare_dns_record"]);
    expect(Object.keys(json.data ?? {}).filter((t) => t.startsWith("cloudflare_"))).toEqual([]);
  });
  test("preview:up, preview:down and the sweeper deploy or destroy no Cloudflare stack but pr-<n>-dns (the edge stack is the prod job's alone)", () => {
    const sources = ["preview-up.ts", "preview-down.ts", "sweep.ts"].map((f) => fs.readFileSync(path.join(__dirname, "..", "scripts", "lib", f), "utf8")).join("\n");
    expect(sources).not.toMatch(/edgeStackName|edge-stack|EdgeStack|api\.cloudflare\.com/);
    const runs = Object.values(workflows).flatMap((w) => Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.run ?? "")));
    expect(runs.filter((r) => r.includes("$EDGE_STACK"))).toEqual([EDGE_RUN]);
  });
});

describe("the checks can fail", () => {
  const base = (): Record<string, Workflow> => JSON.parse(JSON.stringify(workflows)) as Record<string, Workflow>;
  test("the edge token in a preview workflow, in staging's job, or job-wide in prod's", () => {
    const a = base();
    a["preview.yml"]!.env![CLOUDFLARE_TOKEN_VARIABLE] = ref(EDGE);
    expect(edgeOutsideProd(a)).toEqual(["preview.yml:up", "preview.yml:down"]);
    expect(mixedSteps(a)).toEqual(expect.arrayContaining([expect.stringMatching(/^preview\.yml:up: npm run preview:up \(pull_request workflow/)]));
    expect(dnsStepsWithoutDnsToken(a)).toEqual(expect.arrayContaining([expect.stringMatching(/^preview\.yml:up: npm run preview:up: CLOUDFLARE_API_TOKEN=\$\{\{ secrets\.CLOUDFLARE_EDGE_API_TOKEN \}\}$/)]));
    const b = base();
    b["deploy.yml"]!.jobs.staging!.env![CLOUDFLARE_TOKEN_VARIABLE] = ref(EDGE);
    expect(edgeOutsideProd(b)).toEqual(["deploy.yml:staging"]);
    expect(mixedSteps(b)).toEqual(expect.arrayContaining(["deploy.yml:staging: Deploy staging DNS (job targets staging or a preview, staging's origin secret)"]));
    const c = base();
    c["deploy.yml"]!.jobs.prod!.env![CLOUDFLARE_TOKEN_VARIABLE] = ref(EDGE);
    expect(edgeReach(c).wide).toEqual(["deploy.yml:prod: job env"]);
    expect(edgeReach(c).steps.length).toBeGreaterThan(1);
  });
  test("the prod job without its environment; a staging command next to the edge token; prod-dns without the DNS token", () => {
    const a = base();
    delete a["deploy.yml"]!.jobs.prod!.environment;
    expect(edgeOutsideProd(a)).toEqual(["deploy.yml:prod"]);
    const b = base();
    edgeStep(b).run = "npm run deploy -- staging --auto-approve";
    expect(mixedSteps(b)).toEqual([expect.stringMatching(/^deploy\.yml:prod: Deploy the edge .*\(staging or preview command\)$/)]);
    const c = base();
    delete c["deploy.yml"]!.jobs.prod!.steps.find((s) => s.name === "Deploy prod DNS")!.env![CLOUDFLARE_TOKEN_VARIABLE];
    expect(dnsStepsWithoutDnsToken(c)).toEqual(["deploy.yml:prod: Deploy prod DNS: CLOUDFLARE_API_TOKEN=(unset)"]);
    const d = base();
    d["pr-plan.yml"]!.env = { ...d["pr-plan.yml"]!.env, ALL: "${{ toJSON(secrets) }}" };
    expect(edgeOutsideProd(d)).toEqual(["pr-plan.yml:plan", "pr-plan.yml:plan-prod", "pr-plan.yml:comment"]);
  });
});

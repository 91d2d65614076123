/**
 * The GitHub Actions workflows (.github/workflows/*.yml): each validates with
 * @action-validator/cli (the JSON schemas of workflows, offline), and each is thin and safe: every
 * `run:` is an npm script (that exists in package.json), `npm ci` or a docker command; actions are
 * pinned to commit SHAs; OIDC jobs can write an id token and nothing they do not need; prod deploys
 * only from the GitHub environment prod; previews are torn down on close; no secret in a command.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { github, oidcSubjects } from "../environments/github";
import { ciTarget, ciTargetOutput } from "../scripts/lib/ci-target";
import { prod, staging } from "../environments";
import { planRoleArnOf, previewDeployRoleArn } from "../environments/bootstrap";
import { WORKFLOW_DIR, readWorkflows, workflowFiles, type Job, type Step, type Workflow } from "./workflow-files";

const root = path.resolve(__dirname, "..");
const dir = WORKFLOW_DIR;
const files = workflowFiles();
const validator = path.join(root, "node_modules", ".bin", "action-validator");

const workflows = readWorkflows();
const wf = (file: string): Workflow => workflows[file]!;
const allSteps = (w: Workflow): [string, Step][] => Object.entries(w.jobs).flatMap(([job, j]) => j.steps.map((s): [string, Step] => [job, s]));
const runsOf = (j: Job): string => j.steps.map((s) => s.run ?? "").join("\n");
const scripts = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

test("the four workflows are there", () => {
  expect(files).toEqual(["deploy.yml", "pr-plan.yml", "preview-sweeper.yml", "preview.yml"]);
});

test("the validator runs offline and refuses a broken workflow (so a pass means something)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-workflow-"));
  const broken = path.join(tmp, "broken.yml");
  fs.writeFileSync(broken, "name: broken\non: [pushh]\njobs:\n  a:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: npm ci\n");
  const r = spawnSync(validator, [broken], { encoding: "utf8" });
  fs.rmSync(tmp, { recursive: true, force: true });
  expect(r.status).not.toBe(0);
  expect(`${r.stdout}${r.stderr}`).toMatch(/Additional property 'runs-onn' is not allowed/);
});

describe.each(files)("%s", (file) => {
  test("validates with @action-validator/cli (no errors)", () => {
    const r = spawnSync(validator, [path.join(dir, file)], { encoding: "utf8" });
    expect({ status: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ status: 0, output: "" });
  });

  test("every run: is npm ci, an npm script, or a docker build/push/save/load (with its shell plumbing)", () => {
    const allowed = [
      /^npm ci$/,
      /^npm run (--silent )?[a-z][\w:-]*( -- .*)?( >> "\$GITHUB_(OUTPUT|ENV)")?$/,
      /^docker (build|tag|push|save) /,
      /^gunzip -c "images\/\$context\.tar\.gz" \| docker load$/,
      /^mkdir -p images$/,
      /^for pair in \$IMAGES; do$/,
      /^context="\$\{pair%%=\*\}"; repository="\$\{pair#\*=\}"$/,
      /^done$/,
    ];
    for (const [job, step] of allSteps(wf(file)).filter(([, s]) => s.run !== undefined)) {
      const lines = step.run!.split("\n").map((l) => l.trim()).filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect({ job, line, ok: allowed.some((re) => re.test(line)) }).toEqual({ job, line, ok: true });
      expect(lines.some((l) => /^(npm (ci|run )|docker )/.test(l) || l.includes("docker load"))).toBe(true);
    }
  });

  test("every npm script it runs exists in package.json", () => {
    const called = allSteps(wf(file)).flatMap(([, s]) => [...(s.run ?? "").matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!));
    expect(called.filter((name) => !(name in scripts))).toEqual([]);
  });

  test("actions pinned to a full commit SHA (with the version in a comment)", () => {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const uses = allSteps(wf(file)).filter(([, s]) => s.uses).map(([, s]) => s.uses!);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of text.split("\n").filter((l) => /uses: /.test(l))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test("least privilege: the workflow grants contents: read; jobs add only what they use; OIDC jobs can write an id token", () => {
    const w = wf(file);
    expect(w.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(w.jobs)) {
      const perms = job.permissions as Record<string, string> | undefined;
      expect(perms).toBeDefined();
      expect(typeof perms).toBe("object");
      const usesAws = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect({ name, idToken: perms!["id-token"] === "write" }).toEqual({ name, idToken: usesAws });
      const comments = job.steps.some((s) => s.uses?.startsWith("actions/github-script@"));
      expect({ name, prWrite: perms!["pull-requests"] === "write" }).toEqual({ name, prWrite: comments });
      for (const [scope, level] of Object.entries(perms!)) if (!["id-token", "pull-requests"].includes(scope)) expect({ scope, level }).toEqual({ scope, level: "read" });
    }
  });

  test("no secret is echoed: secrets only in env:, never inside a run: command; no set -x", () => {
    for (const [, step] of allSteps(wf(file))) {
      expect(step.run ?? "").not.toMatch(/secrets\.|set -x|echo .*(SECRET|TOKEN)/);
    }
  });

  test("no ${{ }} expression inside a run: (values reach the shell through env:, never spliced into the script)", () => {
    for (const [job, step] of allSteps(wf(file))) expect({ job, step: step.name ?? step.run, spliced: /\$\{\{/.test(step.run ?? "") }).toEqual({ job, step: step.name ?? step.run, spliced: false });
  });
});

describe("pr-plan.yml", () => {
  const w = wf("pr-plan.yml");
  const plan = w.jobs.plan!;
  test("on pull_request (also relabels: the label decides the exit); one run per PR, never cancelled mid-plan (locks)", () => {
    expect(w.on.pull_request).toEqual({ types: ["opened", "synchronize", "reopened", "labeled", "unlabeled"] });
    expect(w.concurrency).toEqual({ group: "pr-plan-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
  });
  test("plans staging and the PR's preview online with npm run plan --markdown, staging as its plan role (prod is not in the matrix)", () => {
    expect((plan as unknown as { strategy: { matrix: { stack: string[] } } }).strategy.matrix.stack).toEqual(["staging", "preview"]);
    const step = plan.steps.find((s) => s.run?.startsWith("npm run plan "))!;
    expect(step.run).toBe('npm run plan -- "$STACK" --markdown "plan-${STACK}.md" --markdown-limit 21500');
    expect(step.env).toMatchObject({ SHIPKIT_ROLE: "plan" });
    const creds = plan.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!;
    expect(creds.with).toMatchObject({ "role-to-assume": "${{ steps.target.outputs.plan_role_arn }}" });
  });
  test("fails on exit 3 unless the PR carries allow-stateful-change (SHIPKIT_ALLOW_STATEFUL=1)", () => {
    const step = plan.steps.find((s) => s.run?.startsWith("npm run plan "))!;
    expect(step.env!.SHIPKIT_ALLOW_STATEFUL).toBe("${{ contains(github.event.pull_request.labels.*.name, 'allow-stateful-change') && '1' || '' }}");
    expect(step).not.toHaveProperty("continue-on-error");
  });
  describe("prod: planned offline against the PR's base, with no AWS credentials and no secret", () => {
    const job = w.jobs["plan-prod"]!;
    const runs = job.steps.map((s) => s.run).filter(Boolean);
    test("npm run plan:offline --base <the PR's base sha> --stack prod, into plan-<stack>.md with a third of the comment", () => {
      const step = job.steps.find((s) => s.run?.startsWith("npm run plan:offline"))!;
      expect(job.env).toEqual({ STACK: "prod" });
      expect(step.run).toBe('npm run plan:offline -- --base "$BASE_SHA" --stack "$STACK" --markdown "plan-${STACK}.md" --markdown-limit 21500');
      expect(step.env!.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");
    });
    test("the checkout has the base commit (whole history)", () => {
      const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
      expect(checkout.with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    });
    test("the provider comes from the registry through npm run ci:provider-mirror, into $GITHUB_ENV, before the plan; Terraform 1.11.4", () => {
      expect(runs.indexOf('npm run --silent ci:provider-mirror -- "$RUNNER_TEMP/terraform-providers" >> "$GITHUB_ENV"')).toBeGreaterThan(runs.indexOf("npm ci"));
      expect(runs.indexOf('npm run --silent ci:provider-mirror -- "$RUNNER_TEMP/terraform-providers" >> "$GITHUB_ENV"')).toBeLessThan(runs.findIndex((r) => r!.startsWith("npm run plan:offline")));
      expect(job.steps.find((s) => s.uses?.startsWith("hashicorp/setup-terraform@"))!.with).toMatchObject({ terraform_version: "1.11.4", terraform_wrapper: false });
    });
    test("no id token, no AWS credentials, no ci:target role, no secret of any kind", () => {
      expect(job.permissions).toEqual({ contents: "read" });
      expect(job.steps.filter((s) => s.uses?.startsWith("aws-actions/"))).toEqual([]);
      expect(runs.filter((r) => /ci:target/.test(r!))).toEqual([]);
      expect(JSON.stringify(job)).not.toMatch(/secrets\.|SHIPKIT_ROLE/);
      expect(JSON.stringify(w.env)).not.toMatch(/secrets\./);
    });
    test("same stateful-risk gate as the online plans (exit 3 unless allow-stateful-change), never continue-on-error", () => {
      const step = job.steps.find((s) => s.run?.startsWith("npm run plan:offline"))!;
      const online = plan.steps.find((s) => s.run?.startsWith("npm run plan "))!;
      expect(step.env!.SHIPKIT_ALLOW_STATEFUL).toBe(online.env!.SHIPKIT_ALLOW_STATEFUL);
      expect(step).not.toHaveProperty("continue-on-error");
    });
    test("its summary joins the shared comment (artifact plan-prod)", () => {
      const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
      expect(upload).toMatchObject({ if: "always()", with: { name: "plan-prod", path: "plan-*.md" } });
      expect(w.jobs.comment!.needs).toEqual(["plan", "plan-prod"]);
    });
  });
  test("keeps ONE comment, found by the hidden marker, posted even when a plan failed", () => {
    const comment = w.jobs.comment!;
    expect(comment.if).toBe("always()");
    expect(comment.steps.find((s) => s.uses?.startsWith("actions/github-script@"))!.env).toEqual({ PLAN_RESULT: "${{ needs.plan.result }}", PROD_PLAN_RESULT: "${{ needs.plan-prod.result }}" });
    const script = String(comment.steps.find((s) => s.uses?.startsWith("actions/github-script@"))!.with!.script);
    expect(script).toContain('const MARKER = "<!-- shipkit-plan -->"');
    expect(script).toMatch(/updateComment[\s\S]*createComment/);
    expect(script).toContain("65536");
  });
});

describe("deploy.yml", () => {
  const w = wf("deploy.yml");
  test("on push to main; images built once, tagged with the SHA", () => {
    expect(w.on).toEqual({ push: { branches: [github.mainBranch] } });
    expect(w.env!.TF_VAR_image_tag).toBe("${{ github.sha }}");
    expect(Object.entries(w.jobs).filter(([, j]) => /docker build/.test(runsOf(j))).map(([n]) => n)).toEqual(["build"]);
    expect(runsOf(w.jobs.prod!)).toContain("docker load");
  });
  test("staging: migrate first, then deploy, then smoke with the SHA", () => {
    const runs = w.jobs.staging!.steps.map((s) => s.run).filter(Boolean);
    expect(runs.indexOf('npm run migrate -- staging --sha "$GITHUB_SHA"')).toBeLessThan(runs.indexOf("npm run deploy -- staging --auto-approve"));
    expect(runs.indexOf("npm run deploy -- staging --auto-approve")).toBeLessThan(runs.indexOf('npm run smoke -- staging --sha "$GITHUB_SHA"'));
  });
  test("prod: after staging, in the GitHub environment prod (approval), same SHA, smoke", () => {
    const job = w.jobs.prod!;
    expect(job.needs).toEqual(["build", "staging"]);
    expect(job.environment).toBe(github.prodEnvironment);
    const runs = job.steps.map((s) => s.run).filter(Boolean);
    expect(runs.indexOf('npm run migrate -- prod --sha "$GITHUB_SHA"')).toBeLessThan(runs.indexOf("npm run deploy -- prod --auto-approve"));
    expect(runs).toContain('npm run smoke -- prod --sha "$GITHUB_SHA"');
  });
  test("no other job carries an environment (staging's role trusts the main branch subject, which an environment would replace)", () => {
    expect(Object.entries(w.jobs).filter(([, j]) => j.environment !== undefined).map(([n]) => n)).toEqual(["prod"]);
    // The subjects the roles trust are the ones these jobs present.
    expect(oidcSubjects(github).prod).toBe(`repo:${github.owner}/${github.name}:environment:${String(w.jobs.prod!.environment)}`);
  });
  test("two deploys of an environment never overlap (concurrency per environment, never cancelling a running apply)", () => {
    expect(w.jobs.staging!.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(w.jobs.prod!.concurrency).toEqual({ group: "deploy-prod", "cancel-in-progress": false });
  });
});

describe("preview.yml", () => {
  const w = wf("preview.yml");
  test("on open/synchronize/reopen and close, one run per PR at a time", () => {
    expect(w.on.pull_request).toEqual({ types: ["opened", "synchronize", "reopened", "closed"] });
    expect(w.concurrency).toEqual({ group: "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
  });
  test("up: images tagged pr-<n>-<sha>, npm run preview:up, the URL in one comment", () => {
    const up = w.jobs.up!;
    expect(up.if).toBe("github.event.action != 'closed'");
    expect(up.env!.TF_VAR_image_tag).toBe("pr-${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}");
    expect(runsOf(up)).toMatch(/docker build[\s\S]*docker push[\s\S]*npm run preview:up -- "\$PR"/);
    const script = String(up.steps.find((s) => s.uses?.startsWith("actions/github-script@"))!.with!.script);
    expect(script).toContain("<!-- shipkit-preview -->");
    expect(script).toContain("process.env.PREVIEW_URL");
  });
  test("close: npm run preview:down (and nothing else deploys)", () => {
    const down = w.jobs.down!;
    expect(down.if).toBe("github.event.action == 'closed'");
    expect(down.steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", 'npm run --silent ci:target -- "pr-$PR" >> "$GITHUB_OUTPUT"', 'npm run preview:down -- "$PR"']);
  });
});

describe("preview-sweeper.yml", () => {
  const w = wf("preview-sweeper.yml");
  test("daily and by hand with an apply input that defaults to a dry run", () => {
    expect(w.on.schedule).toEqual([{ cron: "17 4 * * *" }]);
    expect(w.on.workflow_dispatch).toEqual({ inputs: { apply: { description: expect.any(String), type: "boolean", default: false } } });
  });
  test("dry run unless told: previews:sweep, and --apply only when inputs.apply", () => {
    const steps = w.jobs.sweep!.steps.filter((s) => s.run?.startsWith("npm run previews:sweep"));
    expect(steps.map((s) => [s.if, s.run])).toEqual([
      ["${{ !inputs.apply }}", "npm run previews:sweep"],
      ["${{ inputs.apply }}", "npm run previews:sweep -- --apply"],
    ]);
  });
});

describe("npm run ci:target (what workflows read)", () => {
  test("prod: its deploy role, NO plan role (no role of prod's account trusts pull requests), registry, repositories, stack names", () => {
    const t = ciTarget("prod");
    expect(t).toEqual({
      env: "prod",
      accountId: prod.aws.accountId,
      region: prod.aws.region,
      roleArn: prod.aws.deployRoleArn,
      planRoleArn: undefined,
      registry: `${prod.aws.accountId}.dkr.ecr.${prod.aws.region}.amazonaws.com`,
      imageRepositories: ["shipkit-prod-backend", "shipkit-prod-web"],
      buildContexts: ["backend", "web"],
      dnsStack: "prod-dns",
      edgeStack: "edge-example-com",
    });
    expect(ciTargetOutput(t)).not.toMatch(/plan_role/);
    expect(ciTargetOutput(t)).toContain(`role_arn=${prod.aws.deployRoleArn}\n`);
  });
  test("staging: its deploy role and its read-only plan role", () => {
    const t = ciTarget("staging");
    expect(t).toMatchObject({ roleArn: staging.aws.deployRoleArn, planRoleArn: planRoleArnOf(staging.aws.deployRoleArn) });
    expect(ciTargetOutput(t)).toContain(`\nplan_role_arn=${planRoleArnOf(staging.aws.deployRoleArn)}\n`);
  });
  test("a preview: the preview role for deploys and plans, staging's -previews repositories", () => {
    const t = ciTarget("pr-42");
    expect(t).toMatchObject({ env: "pr-42", accountId: staging.aws.accountId, roleArn: previewDeployRoleArn(staging), planRoleArn: previewDeployRoleArn(staging), imageRepositories: ["shipkit-staging-backend-previews", "shipkit-staging-web-previews"], dnsStack: "pr-42-dns" });
    expect(ciTargetOutput(t)).toContain("images=backend=shipkit-staging-backend-previews web=shipkit-staging-web-previews\n");
  });
  test("$GITHUB_OUTPUT lines, and a clear error for anything else", () => {
    expect(ciTargetOutput(ciTarget("staging")).split("\n").filter(Boolean).every((l) => /^[a-z_]+=\S/.test(l))).toBe(true);
    expect(() => ciTarget("qa")).toThrow('usage: npm run --silent ci:target -- <prod|staging|pr-<n>> (got "qa")');
    expect(() => ciTarget("pr-0")).toThrow(/PR_NUMBER "0" is not a pull-request number/);
  });
});

/**
 * Preview life without hazards, on the synthesized JSON: previews' images live in staging's preview
 * repositories (never counted by the lifecycle of the repositories staging runs from), each stack
 * runs only the image tags it may (Terraform variable validation, run by a real `terraform plan`),
 * and preview task definitions are deregistered on teardown.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ephemeral, prod, staging, previewCapacity } from "../../environments";
import { imageTagProblem, declareStackInputs, previewImageTag, type ImageTagRule } from "../../stacks/stack-inputs";
import { offlineSharedOutputs, previewRepositoryOutputs } from "../../stacks/shared-state";
import { resources, synthEnv, type SynthJson } from "../helpers";

const stagingJson = synthEnv(staging);
const prodJson = synthEnv(prod);
const previewJson = synthEnv(ephemeral(42));

const lifecycleOf = (json: SynthJson, repositoryRef: string) => resources(json, "aws_ecr_lifecycle_policy").find((p) => p.repository === repositoryRef);
const repoKey = (json: SynthJson, name: string) => Object.entries(json.resource!.aws_ecr_repository!).find(([, r]) => r.name === name)![0];

describe("preview images live in repositories of their own", () => {
  test("staging owns one preview repository per repository, with its own count-based lifecycle sized for every open preview", () => {
    const names = resources(stagingJson, "aws_ecr_repository").map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["shipkit-staging-web-previews", "shipkit-staging-backend-previews", "shipkit-staging-web", "shipkit-staging-backend"]));
    const cap = previewCapacity(staging);
    for (const repo of ["web", "backend"]) {
      const preview = JSON.parse(String(lifecycleOf(stagingJson, `\${aws_ecr_repository.${repoKey(stagingJson, `shipkit-staging-${repo}-previews`)}.name}`)!.policy)) as { rules: { selection: Record<string, unknown> }[] };
      expect(preview.rules).toEqual([expect.objectContaining({ selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: cap.ecrKeepImages } })]);
      expect(cap.ecrKeepImages).toBeGreaterThanOrEqual(cap.maxOpen);
      // staging's own repository keeps its 30 images, and only main builds are ever pushed there.
      const own = JSON.parse(String(lifecycleOf(stagingJson, `\${aws_ecr_repository.${repoKey(stagingJson, `shipkit-staging-${repo}`)}.name}`)!.policy)) as { rules: { selection: Record<string, unknown> }[] };
      expect(own.rules).toEqual([expect.objectContaining({ selection: expect.objectContaining({ countNumber: staging.app.ecrKeepImages }) })]);
    }
  });

  test("staging publishes each preview repository's URL and ARN; prod has no preview repository", () => {
    for (const repo of ["web", "backend"]) {
      const out = previewRepositoryOutputs(repo);
      expect(out).toEqual({ url: `${repo}_previews_repository_url`, arn: `${repo}_previews_repository_arn` });
      expect(stagingJson.output?.[out.url]?.value).toBe(`\${aws_ecr_repository.${repoKey(stagingJson, `shipkit-staging-${repo}-previews`)}.repository_url}`);
      expect(stagingJson.output?.[out.arn]?.value).toBe(`\${aws_ecr_repository.${repoKey(stagingJson, `shipkit-staging-${repo}-previews`)}.arn}`);
    }
    expect(resources(prodJson, "aws_ecr_repository").map((r) => r.name).filter((n) => String(n).endsWith("-previews"))).toEqual([]);
    expect(Object.keys(prodJson.output ?? {}).filter((o) => o.includes("previews"))).toEqual([]);
  });

  test("the offline seed carries the preview repositories' outputs", () => {
    expect(offlineSharedOutputs(["web"])).toMatchObject({
      web_previews_repository_url: "222222222222.dkr.ecr.us-east-1.amazonaws.com/shipkit-staging-web-previews",
      web_previews_repository_arn: "arn:aws:ecr:us-east-1:222222222222:repository/shipkit-staging-web-previews",
    });
  });

  test("pr-42's tasks pull from the preview repositories: image and execution-role permission, never staging's own", () => {
    const text = JSON.stringify(previewJson.resource);
    expect(text).not.toMatch(/outputs\.(web|backend)_repository_(url|arn)/);
    const defs = resources(previewJson, "aws_ecs_task_definition").map((t) => String(t.container_definitions));
    const web = defs.find((d) => d.includes("web_previews_repository_url"));
    expect(web).toContain('${data.terraform_remote_state.staging-state.outputs.web_previews_repository_url}:${var.image_tag}');
    const pulls = Object.values(previewJson.data!.aws_iam_policy_document!)
      .flatMap((d) => (d.statement as { sid?: string; resources?: string[] }[]) ?? [])
      .filter((s) => s.sid === "PullImage")
      .map((s) => s.resources);
    expect(pulls.length).toBeGreaterThan(0);
    for (const r of pulls) expect(r).toEqual([expect.stringMatching(/^\$\{data\.terraform_remote_state\.staging-state\.outputs\.(web|backend)_previews_repository_arn\}$/)]);
  });
});

describe("preview task definitions are removed on teardown", () => {
  test("pr-42: no task definition keeps its revisions (skip_destroy off); prod and staging keep them for rollback", () => {
    const preview = resources(previewJson, "aws_ecs_task_definition");
    expect(preview.length).toBeGreaterThan(0);
    for (const td of preview) expect(td.skip_destroy).not.toBe(true);
    for (const json of [prodJson, stagingJson]) {
      const defs = resources(json, "aws_ecs_task_definition").filter((td) => !String(td.family).includes("db-"));
      expect(defs.length).toBeGreaterThan(0);
      for (const td of defs) expect(td.skip_destroy).toBe(true);
    }
  });
});

describe("each stack runs only the image tags it may", () => {
  test("the synthesized variables: pr-42 requires pr-42-<tag>; prod and staging refuse pr- tags", () => {
    const variable = (json: SynthJson, name: string) => (json as unknown as { variable: Record<string, { validation: { condition: string }[] }> }).variable[name]!.validation[0]!.condition;
    expect(variable(previewJson, "image_tag")).toContain('regex("^pr-42-[A-Za-z0-9_.-]{1,122}$", var.image_tag)');
    expect(variable(previewJson, "migration_image_tag")).toContain("^pr-42-");
    for (const json of [prodJson, stagingJson]) {
      expect(variable(json, "image_tag")).toContain('!startswith(var.image_tag, "pr-")');
      expect(variable(json, "migration_image_tag")).toContain('!startswith(var.migration_image_tag, "pr-")');
    }
  });

  // Real Terraform evaluates the validations: a stack of just the inputs plans without any provider.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-tags-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const preview: ImageTagRule = { kind: "preview", prNumber: 42 };
  const release: ImageTagRule = { kind: "release" };
  const stackDirs: Record<string, string> = {};
  beforeAll(() => {
    const app = new App({ outdir: work });
    for (const [id, rule] of [["release", release], ["preview", preview]] as const) declareStackInputs(new TerraformStack(app, id), rule);
    app.synth();
    for (const id of ["release", "preview"]) {
      stackDirs[id] = path.join(work, "stacks", id);
      execFileSync("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDirs[id], env: { ...process.env, CHECKPOINT_DISABLE: "1" }, stdio: "pipe" });
    }
  });
  const plan = (stack: string, vars: Record<string, string>) =>
    spawnSync("terraform", ["plan", "-input=false", "-no-color", "-lock=false"], {
      cwd: stackDirs[stack],
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_VAR_origin_verify_secret: "a".repeat(32), ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v])) },
    });

  test.each([
    { stack: "preview", tag: "pr-42-0123abc", ok: true },
    { stack: "preview", tag: previewImageTag(42, "f".repeat(40)), ok: true },
    { stack: "preview", tag: "0123abc", ok: false },
    { stack: "preview", tag: "pr-4-0123abc", ok: false },
    { stack: "preview", tag: "pr-421-0123abc", ok: false },
    { stack: "preview", tag: "pr-42-", ok: false },
    { stack: "release", tag: "0123abc", ok: true },
    { stack: "release", tag: "pr-42-0123abc", ok: false },
    { stack: "release", tag: "-bad", ok: false },
  ] as const)("$stack stack, image_tag $tag: terraform accepts it: $ok, and imageTagProblem agrees", ({ stack, tag, ok }) => {
    const r = plan(stack, { image_tag: tag });
    expect({ tag, accepted: r.status === 0 }).toEqual({ tag, accepted: ok });
    expect(imageTagProblem(tag, stack === "preview" ? preview : release) === undefined).toBe(ok);
    const said = r.stderr.replace(/\s+/g, " ");
    if (!ok) expect(said).toMatch(stack === "preview" ? /image_tag must be pr-42-<git SHA>, the build of pull request 42/ : /image_tag must be a Docker tag .* that does not start with "pr-"/);
  });

  test("migration_image_tag follows the same rule (empty = image_tag)", () => {
    expect(plan("preview", { image_tag: "pr-42-a", migration_image_tag: "main0123" }).status).not.toBe(0);
    expect(plan("preview", { image_tag: "pr-42-a", migration_image_tag: "pr-42-b" }).status).toBe(0);
    expect(plan("release", { image_tag: "a", migration_image_tag: "pr-42-b" }).status).not.toBe(0);
    expect(plan("release", { image_tag: "a", migration_image_tag: "" }).status).toBe(0);
  });
});

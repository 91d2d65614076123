/**
 * The plan review on plans in Terraform's JSON plan format (fragments shaped as `terraform show
 * -json` writes them), and the report's rules: exit codes, risks first, GitHub's comment limit.
 * The same code on real plans: test/scripts/plan-base.test.ts.
 */
import { grants, isNoChange, reviewPlan } from "../../scripts/lib/plan-review";
import type { PlanJson, ResourceChange } from "../../scripts/lib/plan-json";
import { COMMENT_MARKER, EXIT, exitCodeOf, GITHUB_COMMENT_LIMIT, renderMarkdown, renderText, type StackReport } from "../../scripts/lib/plan-report";
import { parsePlanArgs, UsageError } from "../../scripts/lib/plan-cli";
import type { PlanSummary } from "../../scripts/lib/offline";

const existing = { prior_state: { values: { root_module: { resources: [{ mode: "managed", address: "aws_vpc.v" }] } } } };
const rc = (address: string, actions: string[], before: unknown, after: unknown, extra: Partial<ResourceChange["change"]> = {}): ResourceChange => {
  const [type, name] = address.split(".") as [string, string];
  return { address, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", change: { actions, before, after, after_unknown: {}, ...extra } };
};
const plan = (changes: ResourceChange[], more: Partial<PlanJson> = {}): PlanJson => ({ format_version: "1.2", resource_changes: changes, ...existing, ...more });
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("reviewPlan: counts", () => {
  test("each action is counted once, by type: create, update, replace (either order), delete, import, forget, move", () => {
    const r = reviewPlan(
      plan([
        rc("aws_sqs_queue.a", ["create"], null, {}),
        rc("aws_sqs_queue.b", ["update"], {}, {}),
        rc("aws_lb_target_group.c", ["delete", "create"], {}, {}),
        rc("aws_lb_target_group.d", ["create", "delete"], {}, {}),
        rc("aws_sqs_queue.e", ["delete"], {}, null),
        { ...rc("aws_sqs_queue.f", ["no-op"], {}, {}, { importing: { id: "q" } }) },
        rc("aws_sqs_queue.g", ["forget"], {}, null),
        { ...rc("aws_sqs_queue.h", ["no-op"], {}, {}), previous_address: "aws_sqs_queue.old" },
        { ...rc("aws_iam_policy_document.x", ["read"], null, {}), mode: "data" },
      ]),
    );
    expect(r.counts).toEqual({ add: 1, change: 1, replace: 2, destroy: 1, import: 1, forget: 1, move: 1 });
    expect(r.byType.aws_lb_target_group!.replace).toBe(2);
    expect(r.byType.aws_iam_policy_document).toBeUndefined();
    expect(isNoChange(r)).toBe(false);
  });

  test("a type destroyed and created in one plan gets a note about moved blocks; a lone create does not", () => {
    const moved = reviewPlan(plan([rc("aws_sqs_queue.old", ["delete"], {}, null), rc("aws_sqs_queue.new", ["create"], null, {})]));
    expect(moved.notes.join()).toMatch(/aws_sqs_queue: 1 destroyed and 1 created in one plan: .*add a `moved` block/);
    expect(reviewPlan(plan([rc("aws_sqs_queue.new", ["create"], null, {})])).notes.join()).not.toMatch(/moved/);
  });

  test("a plan of no-ops and reads is no change; an output change is a change", () => {
    const quiet = plan([rc("aws_sqs_queue.a", ["no-op"], {}, {})]);
    expect(isNoChange(reviewPlan(quiet))).toBe(true);
    expect(isNoChange(reviewPlan({ ...quiet, output_changes: { x: { actions: ["update"], before: 1, after: 2 } } }))).toBe(false);
  });
});

describe("reviewPlan: risks", () => {
  test("destroy or replace of a stateful type is a blocking risk naming what forced it; a stateless replace is not", () => {
    const r = reviewPlan(
      plan([
        rc("aws_db_instance.db", ["delete", "create"], {}, {}, { replace_paths: [["snapshot_identifier"]] }),
        rc("aws_s3_bucket.b", ["delete"], {}, null),
        rc("aws_ecs_task_definition.t", ["delete", "create"], {}, {}),
      ]),
    );
    expect(r.risks.filter((x) => x.blocking).map((x) => [x.kind, x.address])).toEqual([
      ["stateful-replace", "aws_db_instance.db"],
      ["stateful-destroy", "aws_s3_bucket.b"],
    ]);
    expect(r.risks[0]!.detail).toContain("forced by snapshot_identifier");
  });

  test.each([
    ["aws_db_instance", "deletion_protection", true, false],
    ["aws_lb", "enable_deletion_protection", true, false],
    ["aws_db_instance", "skip_final_snapshot", false, true],
    ["aws_s3_bucket", "force_destroy", false, true],
  ])("%s %s %s → %s is a blocking deletion-protection-off risk", (type, attr, from, to) => {
    const r = reviewPlan(plan([rc(`${type}.x`, ["update"], { [attr]: from }, { [attr]: to })]));
    expect(r.risks).toEqual([expect.objectContaining({ kind: "deletion-protection-off", address: `${type}.x`, blocking: true })]);
  });

  test("a replacement that forgets the old object (create + forget) is a stateful replace", () => {
    const r = reviewPlan(plan([rc("aws_db_instance.db", ["create", "forget"], {}, {})]));
    expect(r.counts.replace).toBe(1);
    expect(r.risks[0]).toEqual(expect.objectContaining({ kind: "stateful-replace", blocking: true }));
    expect(r.risks[0]!.detail).toContain("forgotten");
  });

  test("a secret's recovery window cut to 0 and bucket versioning suspended are blocking; a replaced queue loses its messages", () => {
    const r = reviewPlan(
      plan([
        rc("aws_secretsmanager_secret.s", ["update"], { recovery_window_in_days: 30 }, { recovery_window_in_days: 0 }),
        rc("aws_s3_bucket_versioning.v", ["update"], { versioning_configuration: [{ status: "Enabled" }] }, { versioning_configuration: [{ status: "Suspended" }] }),
        rc("aws_sqs_queue.q", ["delete", "create"], {}, {}),
      ]),
    );
    expect(r.risks.map((x) => [x.kind, x.address, x.blocking])).toEqual([
      ["deletion-protection-off", "aws_secretsmanager_secret.s", true],
      ["deletion-protection-off", "aws_s3_bucket_versioning.v", true],
      ["stateful-replace", "aws_sqs_queue.q", true],
    ]);
    expect(reviewPlan(plan([rc("aws_secretsmanager_secret.s", ["update"], { recovery_window_in_days: 0 }, { recovery_window_in_days: 7 })])).risks).toEqual([]);
  });

  test("a resource policy opened to everyone, and a removed Deny, are widening", () => {
    const closed = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: { AWS: "arn:aws:iam::1:role/r" } });
    const open = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: "*" });
    expect(reviewPlan(plan([rc("aws_s3_bucket_policy.p", ["update"], { policy: closed }, { policy: open })])).risks[0]!.detail).toBe('policy grants s3:GetObject on arn:aws:s3:::b/* by "*"');
    const guarded = policy({ Effect: "Allow", Action: "s3:*", Resource: "*" }, { Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" });
    const unguarded = policy({ Effect: "Allow", Action: "s3:*", Resource: "*" });
    expect(reviewPlan(plan([rc("aws_iam_role_policy.p", ["update"], { policy: guarded }, { policy: unguarded })])).risks[0]!.detail).toBe("policy grants (no longer denied) s3:DeleteObject on *");
  });

  test("a Deny's NotResource is one set: dropping an exception denies more (no risk), adding one denies less (widening)", () => {
    const deny = (...not: string[]) => policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Effect: "Deny", Action: "s3:GetObject", NotResource: not });
    const review = (before: string, after: string) => reviewPlan(plan([rc("aws_iam_role_policy.p", ["update"], { policy: before }, { policy: after })])).risks;
    // The plan role lost its exception for another account's edge state: it is denied more.
    expect(review(deny("arn:aws:s3:::state/*", "arn:aws:s3:::prod-state/edge/terraform.tfstate"), deny("arn:aws:s3:::state/*"))).toEqual([]);
    expect(review(deny("arn:aws:s3:::state/*"), deny("arn:aws:s3:::state/*", "arn:aws:s3:::prod-state/edge/terraform.tfstate"))[0]!.detail).toBe("policy grants (no longer denied) s3:GetObject on NOT arn:aws:s3:::state/*");
    // A literal Deny replaced by a NotResource Deny that still covers it: no risk; one that exempts it: widening.
    const literal = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::uploads/secret.pdf" });
    expect(review(literal, deny("arn:aws:s3:::state/*"))).toEqual([]);
    expect(review(literal, deny("arn:aws:s3:::uploads/*"))[0]!.detail).toBe("policy grants (no longer denied) s3:GetObject on arn:aws:s3:::uploads/secret.pdf");
  });

  test("turning protection ON is not a risk", () => {
    expect(reviewPlan(plan([rc("aws_db_instance.x", ["update"], { deletion_protection: false }, { deletion_protection: true })])).risks).toEqual([]);
  });

  test("IAM widening lists only the new grants; a narrowed policy is not a risk", () => {
    const before = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
    const wider = policy({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::b/*" });
    const r = reviewPlan(plan([rc("aws_iam_role_policy.p", ["update"], { policy: before }, { policy: wider })]));
    expect(r.risks).toEqual([expect.objectContaining({ kind: "iam-widening", blocking: false, detail: "policy grants s3:PutObject on arn:aws:s3:::b/*" })]);
    expect(reviewPlan(plan([rc("aws_iam_role_policy.p", ["update"], { policy: wider }, { policy: before })])).risks).toEqual([]);
  });

  test("a role's trust policy letting in a new principal is widening; a new role's trust policy alone is not", () => {
    const ecs = policy({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } });
    const more = policy({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "arn:aws:iam::999999999999:root" } });
    expect(reviewPlan(plan([rc("aws_iam_role.r", ["create"], null, { assume_role_policy: ecs })])).risks).toEqual([]);
    const r = reviewPlan(plan([rc("aws_iam_role.r", ["update"], { assume_role_policy: ecs }, { assume_role_policy: more })]));
    expect(r.risks[0]!.detail).toContain("999999999999");
  });

  test("a policy only known after apply is a note, not a risk", () => {
    const r = reviewPlan(plan([rc("aws_iam_role_policy.p", ["update"], { policy: "{}" }, { policy: null }, { after_unknown: { policy: true } })]));
    expect(r.risks).toEqual([]);
    expect(r.notes.join()).toMatch(/1 IAM policy is only known after apply/);
  });

  test("a new security-group rule open to the internet is flagged as such; a changed source is widening", () => {
    const r = reviewPlan(plan([rc("aws_vpc_security_group_ingress_rule.i", ["create"], null, { ip_protocol: "tcp", from_port: 22, to_port: 22, cidr_ipv4: "0.0.0.0/0" })]));
    expect(r.risks[0]).toEqual(expect.objectContaining({ kind: "security-group-widening", detail: "new rule allows tcp 22 from 0.0.0.0/0 (OPEN TO THE INTERNET)" }));
    const sg = reviewPlan(plan([rc("aws_security_group.s", ["update"], { ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/16"] }] }, { ingress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.0.0.0/8"] }] })]));
    expect(sg.risks[0]!.detail).toBe("allows ingress tcp 443 from 10.0.0.0/8");
  });

  test("from an empty state, new policies and rules are not listed as widening (everything is new)", () => {
    const r = reviewPlan({ format_version: "1.2", resource_changes: [rc("aws_iam_role_policy.p", ["create"], null, { policy: policy({ Effect: "Allow", Action: "*", Resource: "*" }) })], prior_state: { values: { root_module: { resources: [{ mode: "data" }] } } } });
    expect(r.fromEmptyState).toBe(true);
    expect(r.risks).toEqual([]);
  });

  test("a changed modeled rollout wait is a review risk with both values", () => {
    const r = reviewPlan(plan([], { output_changes: { modeled_rollout_seconds: { actions: ["update"], before: 40, after: 95 } } }), { rolloutOutput: "modeled_rollout_seconds" });
    expect(r.risks).toEqual([expect.objectContaining({ kind: "rollout-wait-changed", detail: "modeled rollout wait 40 s → 95 s", blocking: false })]);
  });

  test("grants: NotAction, NotResource and Deny are read as written", () => {
    expect(grants(policy({ Effect: "Deny", Action: "*", Resource: "*" }))).toEqual([]);
    expect(grants(policy({ Effect: "Allow", NotAction: "iam:*", NotResource: "arn:x" }))).toEqual(["NOT iam:* on NOT arn:x"]);
  });
});

const summary = (stack: string, p: PlanJson, text?: string): PlanSummary => {
  const review = reviewPlan(p);
  return { stack, ok: true, toAdd: {}, counts: review.counts, warnings: [], review, outputs: {}, plan: p, seconds: 1, ...(text === undefined ? {} : { text }) };
};
const report = (s: PlanSummary): StackReport => ({ summary: s, tier: "standard", against: "real state", suppressions: [] });

describe("report", () => {
  const risky = report(summary("staging", plan([rc("aws_db_instance.db", ["delete", "create"], {}, {})]), "plan text"));
  const calm = report(summary("prod", plan([rc("aws_sqs_queue.q", ["update"], {}, {})]), "plan text"));

  test("exit codes: 3 for a blocking risk unless allowed, 1 for a failed plan, 0 otherwise", () => {
    expect(exitCodeOf([risky, calm], { allowStateful: false })).toBe(EXIT.riskNotAllowed);
    expect(exitCodeOf([risky, calm], { allowStateful: true })).toBe(EXIT.ok);
    expect(exitCodeOf([calm], { allowStateful: false })).toBe(EXIT.ok);
    expect(exitCodeOf([calm, report({ ...calm.summary, ok: false, error: "boom" })], { allowStateful: true })).toBe(EXIT.planFailed);
  });

  test("console text puts the stateful risk above the counts and says how to allow it", () => {
    const text = renderText([risky], { allowStateful: false });
    expect(text.indexOf("STATEFUL-REPLACE aws_db_instance.db")).toBeGreaterThan(-1);
    expect(text.indexOf("STATEFUL-REPLACE")).toBeLessThan(text.indexOf("to add"));
    expect(text).toContain("allow-stateful-change");
  });

  test("an oversized comment is trimmed under GitHub's limit, keeps the risks, and says it was trimmed", () => {
    const huge = "  # aws_x.y will be updated in-place\n".repeat(6000);
    const md = renderMarkdown([report({ ...risky.summary, text: huge }), report({ ...calm.summary, text: huge })], { allowStateful: false });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md.startsWith(COMMENT_MARKER)).toBe(true);
    expect(md).toContain("| ⛔ | staging | stateful-replace | `aws_db_instance.db`");
    expect(md).toMatch(/characters trimmed to fit GitHub's 65536-character comment limit/);
    expect(md).toContain("run `npm run plan -- staging` for all of it");
  });

  test("three stacks' comments at a third of the limit each fit one GitHub comment together", () => {
    const huge = "  # aws_x.y will be updated in-place\n".repeat(6000);
    const parts = ["staging", "prod", "pr-7"].map((stack) => renderMarkdown([report({ ...risky.summary, stack, text: huge })], { allowStateful: false, limit: 21_500 }));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(21_500);
    expect(Buffer.byteLength(parts.join("\n\n---\n\n")) + 200).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
  });

  test("when even the tables do not fit, review risks and by-type tables go first; the blocking risks and the verdict stay", () => {
    const many = Array.from({ length: 400 }, (_, i) => rc(`aws_iam_role_policy.p${i}`, ["update"], { policy: policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }) }, { policy: policy({ Effect: "Allow", Action: ["s3:GetObject", `s3:Put${"X".repeat(60)}${i}`], Resource: "*" }) }));
    const s = summary("staging", plan([rc("aws_db_instance.db", ["delete", "create"], {}, {}), ...many]), "plan text");
    const md = renderMarkdown([report(s)], { allowStateful: false, limit: 12_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(12_000);
    expect(md).toContain("**Blocked: 1 stateful risk.**");
    expect(md).toContain("| ⛔ | staging | stateful-replace | `aws_db_instance.db`");
    expect(md).toContain("_400 review risks (widening, rollout) omitted to fit GitHub's comment limit; the job log lists them._");
    expect(md).toContain("Changes by resource type omitted");
    expect(md).not.toContain("| ⚠️ |");
  });

  test("a small comment is not trimmed", () => {
    const md = renderMarkdown([calm], { allowStateful: false });
    expect(md).not.toMatch(/trimmed/);
    expect(md).toContain("No stateful risk.");
    expect(md).toContain("```text\nplan text\n```");
  });
});

describe("plan arguments", () => {
  test("flags and stacks; unknown flags and missing values are usage errors naming them", () => {
    expect(parsePlanArgs(["staging", "prod", "--markdown", "out.md", "--allow-stateful"], { base: false, positional: true })).toEqual({ stacks: ["staging", "prod"], markdown: "out.md", allowStateful: true });
    expect(() => parsePlanArgs(["--bogus"], { base: false, positional: true })).toThrow(new UsageError("unknown flag --bogus"));
    expect(() => parsePlanArgs(["--markdown"], { base: false, positional: true })).toThrow("--markdown needs a value");
    expect(() => parsePlanArgs(["--base", "main"], { base: false, positional: true })).toThrow("unknown flag --base");
    expect(parsePlanArgs(["--base", "origin/main", "--stack", "staging"], { base: true, positional: false })).toEqual({ stacks: ["staging"], base: "origin/main", allowStateful: false });
    expect(parsePlanArgs(["prod", "--markdown", "p.md", "--markdown-limit", "21500"], { base: false, positional: true }).markdownLimit).toBe(21500);
    expect(() => parsePlanArgs(["prod", "--markdown", "p.md", "--markdown-limit", "99999"], { base: false, positional: true })).toThrow("--markdown-limit 99999 must be a whole number of bytes from 4000 to 65536");
    expect(() => parsePlanArgs(["prod", "--markdown-limit", "20000"], { base: false, positional: true })).toThrow("--markdown-limit needs --markdown FILE");
  });
});

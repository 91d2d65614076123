/**
 * rotate:origin (scripts/lib/rotate-origin.ts): the pure planning functions on plain data, the
 * listener-only guard on plans reviewed by plan-review.ts (fragments, and one real Terraform plan),
 * the executor with fakes (list previews, read outputs, plan, apply, confirm, log), and the real
 * entry, which stops at missing inputs or credentials without touching the network.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import type { PlanJson, ResourceChange } from "../../scripts/lib/plan-json";
import { reviewPlan } from "../../scripts/lib/plan-review";
import { planStack } from "../../scripts/lib/offline";
import { EXIT } from "../../scripts/lib/preview-tools";
import {
  RECHECK_ROUNDS,
  consumerVariables,
  consumersOf,
  edgeSwitchProblems,
  edgeTarget,
  edgeVariables,
  parseRotateArgs,
  planChanges,
  recheckPreviews,
  rotateOrigin,
  rotationInputs,
  rotationSteps,
  summaryLines,
  terraformRotateDeps,
  unexpectedChanges,
  type RotateArgs,
  type RotateDeps,
  type RotationInputs,
  type RotationPlan,
  type RotationTarget,
} from "../../scripts/lib/rotate-origin";
import { memoryLog, outputsJson, recordingRunner, runScript } from "./preview-helpers";

const OLD = "0ld0".repeat(10);
const NEW = "n3w0".repeat(10);
const PROD = "pr0d".repeat(10);
const SECRETS = [OLD, NEW, PROD];
const INPUTS: RotationInputs = { old: OLD, next: NEW, other: PROD };
const ZONE_ID = "0123456789abcdef0123456789abcdef";
/** Everything a staging rotation reads. */
const STAGING_ENV = {
  TF_VAR_origin_verify_secret: OLD,
  SHIPKIT_ORIGIN_SECRET_NEW: NEW,
  TF_VAR_origin_verify_secret_prod: PROD,
  CLOUDFLARE_API_TOKEN: "test-token-not-real",
  TF_VAR_cloudflare_zone_id: ZONE_ID,
  TF_VAR_alert_webhook_chat: "https://chat.example.com/hook/abc",
};
/** Everything a prod rotation reads. */
const PROD_ENV = { ...STAGING_ENV, TF_VAR_origin_verify_secret_prod: undefined, TF_VAR_origin_verify_secret: PROD, TF_VAR_origin_verify_secret_staging: OLD, TF_VAR_alert_webhook_chat: undefined, TF_VAR_alert_webhook_pager: "" };

const existing = { prior_state: { values: { root_module: { resources: [{ mode: "managed", address: "aws_lb.alb" }] } } } };
const rc = (address: string, actions: string[], before: unknown = {}, after: unknown = {}, more: Partial<ResourceChange> = {}): ResourceChange => {
  const [type, name] = address.split(".") as [string, string];
  return { address, mode: "managed", type, name, provider_name: "registry.terraform.io/hashicorp/aws", change: { actions, before, after, after_unknown: {} }, ...more };
};
/** A JSON plan, reviewed by plan-review.ts and read by planChanges, as the real `plan` dep returns it. */
function rotationPlan(changes: ResourceChange[], outputs: PlanJson["output_changes"] = {}): RotationPlan {
  const json: PlanJson = { format_version: "1.2", resource_changes: changes, output_changes: outputs, ...existing };
  return { review: reviewPlan(json), ...planChanges(json) };
}
const listenerUpdate = (name: string, before: unknown = { condition: [{ http_header: [{ values: [OLD] }] }] }, after: unknown = { condition: [{ http_header: [{ values: [NEW, OLD] }] }] }) =>
  rc(`aws_lb_listener_rule.${name}`, ["update"], before, after);
const LISTENERS_ONLY = rotationPlan([listenerUpdate("web"), listenerUpdate("backend"), rc("aws_ecs_service.web", ["no-op"])]);
/** The late-transform ruleset of the zone, one rule per class. */
const ruleset = (staging: string, prod: string) => ({ rules: [{ ref: "origin_verify_staging", action_parameters: { headers: [{ name: "x-origin-verify", value: staging }] } }, { ref: "origin_verify_prod", action_parameters: { headers: [{ name: "x-origin-verify", value: prod }] } }] });
const EDGE_SWITCH = rotationPlan([{ ...rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, PROD), ruleset(NEW, PROD)), provider_name: "registry.terraform.io/cloudflare/cloudflare" }]);
const NO_CHANGE = rotationPlan([rc("aws_lb_listener_rule.web", ["no-op"])]);

describe("parseRotateArgs", () => {
  test("a class, --apply, --from drop-old", () => {
    expect(parseRotateArgs(["staging"])).toEqual({ cls: "staging", mode: "dry-run", from: "accept-both" });
    expect(parseRotateArgs(["prod", "--apply"])).toEqual({ cls: "prod", mode: "apply", from: "accept-both" });
    expect(parseRotateArgs(["--apply", "staging", "--from", "drop-old"])).toEqual({ cls: "staging", mode: "apply", from: "drop-old" });
  });

  test("a missing or unknown class, an unknown flag or --from value: usage naming the problem", () => {
    expect(() => parseRotateArgs([])).toThrow(/usage: npm run rotate:origin -- <prod\|staging> \[--apply\] \[--from drop-old\]; name the class to rotate: prod or staging/);
    expect(() => parseRotateArgs(["qa"])).toThrow(/the class "qa" is not one: use prod .* or staging/);
    expect(() => parseRotateArgs(["staging", "--aply"])).toThrow(/unexpected argument "--aply"/);
    expect(() => parseRotateArgs(["staging", "--from", "edge"])).toThrow(/--from takes accept-both or drop-old, not "edge"/);
    expect(() => parseRotateArgs(["staging", "--from"])).toThrow(/--from needs a value/);
  });

  test("an argument that may be a secret is never echoed", () => {
    for (const argv of [["staging", NEW], [NEW], ["staging", `--new=${NEW}`]]) {
      let message = "";
      try {
        parseRotateArgs(argv);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/not shown: it may be a secret; secrets are read from the environment only/);
      expect(message).not.toContain(NEW);
    }
  });
});

describe("rotationInputs", () => {
  test("staging: every missing input at once, each naming its variable and the fix", () => {
    const r = rotationInputs("staging", {});
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^TF_VAR_origin_verify_secret is not set \(staging's current secret, the value GitHub's ORIGIN_VERIFY_SECRET_STAGING holds\)/);
    expect(problems[1]).toMatch(/^SHIPKIT_ORIGIN_SECRET_NEW is not set .*generate it with `openssl rand -hex 32`/);
    expect(problems[2]).toMatch(/^TF_VAR_origin_verify_secret_prod is not set \(prod's current secret, .*ORIGIN_VERIFY_SECRET_PROD.*every edge deploy sets both classes' values/);
    expect(problems[3]).toMatch(/^CLOUDFLARE_API_TOKEN is not set \(the edge deploy needs the EDGE token .*CLOUDFLARE_EDGE_API_TOKEN/);
    expect(problems[4]).toMatch(/^TF_VAR_cloudflare_zone_id is not set/);
    expect(problems[5]).toMatch(/^TF_VAR_alert_webhook_chat is not set: .*or set it empty if staging has none/);
  });

  test("prod: the other class is staging, the webhook is prod's pager; an empty webhook is allowed", () => {
    const r = rotationInputs("prod", PROD_ENV);
    expect(r).toEqual({ ok: true, inputs: { old: PROD, next: NEW, other: OLD } });
    const missing = rotationInputs("prod", { ...PROD_ENV, TF_VAR_origin_verify_secret_staging: undefined, TF_VAR_alert_webhook_pager: undefined });
    expect(missing.ok ? [] : missing.problems.map((p) => p.split(" ")[0])).toEqual(["TF_VAR_origin_verify_secret_staging", "TF_VAR_alert_webhook_pager"]);
  });

  test("bad values: shape, equal old and new, new equal to the other class's; never quoting a value", () => {
    const bad = (env: Record<string, string | undefined>) => {
      const r = rotationInputs("staging", { ...STAGING_ENV, ...env });
      if (r.ok) throw new Error("expected problems");
      for (const p of r.problems) for (const s of [...SECRETS, "short0", "a*b"]) expect(p).not.toContain(s);
      return r.problems;
    };
    expect(bad({ SHIPKIT_ORIGIN_SECRET_NEW: "short0" })).toEqual([expect.stringMatching(/^SHIPKIT_ORIGIN_SECRET_NEW has 6 characters: it must be 32-128 letters and digits .*`openssl rand -hex 32`/)]);
    expect(bad({ TF_VAR_origin_verify_secret: `${"a".repeat(40)}*` })).toEqual([expect.stringMatching(/^TF_VAR_origin_verify_secret has characters other than letters and digits/)]);
    expect(bad({ SHIPKIT_ORIGIN_SECRET_NEW: OLD })).toEqual([expect.stringMatching(/^SHIPKIT_ORIGIN_SECRET_NEW equals TF_VAR_origin_verify_secret: the new value must differ/)]);
    expect(bad({ SHIPKIT_ORIGIN_SECRET_NEW: PROD })).toEqual([expect.stringMatching(/^SHIPKIT_ORIGIN_SECRET_NEW equals TF_VAR_origin_verify_secret_prod: each class has its own secret/)]);
    expect(bad({ TF_VAR_alert_webhook_chat: "http://chat.example.com" })).toEqual(["TF_VAR_alert_webhook_chat is not an https:// URL (nor empty)"]);
    expect(bad({ TF_VAR_cloudflare_zone_id: "EXAMPLE" })).toEqual([expect.stringMatching(/^TF_VAR_cloudflare_zone_id is not a zone id/)]);
    expect(bad({ SHIPKIT_OFFLINE: "1" })).toEqual([expect.stringMatching(/^SHIPKIT_OFFLINE=1 is set/)]);
  });

  test("the shared secret of before the split (other class's value = old) is a valid start", () => {
    expect(rotationInputs("staging", { ...STAGING_ENV, TF_VAR_origin_verify_secret_prod: OLD })).toMatchObject({ ok: true });
  });
});

describe("consumers, variables and steps", () => {
  test("prod's consumer is prod; staging's are staging and every open preview, in PR order, once", () => {
    expect(consumersOf("prod", [7])).toEqual([{ stack: "prod", kind: "consumer" }]);
    expect(consumersOf("staging", [12, 7, 12])).toEqual([
      { stack: "staging", kind: "consumer" },
      { stack: "pr-7", kind: "consumer", pr: 7 },
      { stack: "pr-12", kind: "consumer", pr: 12 },
    ]);
    expect(edgeTarget("staging")).toEqual({ stack: "edge-example-com", kind: "edge" });
  });

  test("consumer variables: running tag, no migration tag, current new, previous old then empty; edge: both classes", () => {
    expect(consumerVariables("accept-both", INPUTS, "abc1234")).toEqual({ TF_VAR_image_tag: "abc1234", TF_VAR_migration_image_tag: undefined, TF_VAR_origin_verify_secret: NEW, TF_VAR_origin_verify_secret_previous: OLD });
    expect(consumerVariables("drop-old", INPUTS, "abc1234")).toMatchObject({ TF_VAR_origin_verify_secret: NEW, TF_VAR_origin_verify_secret_previous: "" });
    expect(edgeVariables("staging", INPUTS)).toEqual({ TF_VAR_origin_verify_secret_staging: NEW, TF_VAR_origin_verify_secret_prod: PROD });
    expect(edgeVariables("prod", INPUTS)).toEqual({ TF_VAR_origin_verify_secret_prod: NEW, TF_VAR_origin_verify_secret_staging: PROD });
  });

  test("staging's steps: accept both on every consumer, GitHub checkpoint, re-check of every consumer, edge, checkpoint deleting _PREVIOUS, drop old, summary", () => {
    const steps = rotationSteps("staging", [12, 7], "accept-both");
    expect(steps.map((s) => s.title.split(":")[0])).toEqual(['"accept both"', "Checkpoint (you confirm)", "Re-check", "Switch the edge", "Checkpoint (you confirm)", '"drop old"', "Summary"]);
    expect(steps[0]!.stacks).toEqual(["staging", "pr-7", "pr-12"]);
    expect(steps[1]!.title).toMatch(/set GitHub ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS=old and ORIGIN_VERIFY_SECRET_STAGING=new/);
    expect(steps[2]!.stacks).toEqual(["staging", "pr-7", "pr-12"]);
    expect(steps[2]!.title).toMatch(/until a whole pass plans no change \(at most 3 passes/);
    expect(steps[3]!.stacks).toEqual(["edge-example-com"]);
    expect(steps[3]!.title).toMatch(/origin_verify_secret_staging=new and origin_verify_secret_prod=prod's current value/);
    expect(steps[4]!.title).toMatch(/ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS and the previous value in Secrets Manager are DELETED/);
    expect(steps[5]!.stacks).toEqual(["staging", "pr-7", "pr-12"]);
    expect(steps[5]!.title).toMatch(/for good since ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS is deleted$/);
  });

  test("prod's steps re-check prod (no previews) and touch prod only; resuming at drop old checks the edge, then asks for the deletion", () => {
    const steps = rotationSteps("prod", [], "accept-both");
    expect(steps).toHaveLength(7);
    expect(steps.flatMap((s) => s.stacks ?? [])).toEqual(["prod", "prod", "edge-example-com", "prod"]);
    expect(steps[2]!.title).not.toMatch(/preview/);
    const resume = rotationSteps("staging", [7], "drop-old");
    expect(resume.map((s) => s.stacks ?? [])).toEqual([["edge-example-com"], [], ["staging", "pr-7"], []]);
    expect(resume[0]!.title).toMatch(/already sends the new value .*no change/);
    expect(resume[1]!.title).toMatch(/ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS .* are DELETED/);
  });

  test("the preview re-check: newcomers and closed ones", () => {
    expect(recheckPreviews([7, 12], [12, 7])).toEqual({ newcomers: [], closed: [] });
    expect(recheckPreviews([7, 12], [15, 7, 3])).toEqual({ newcomers: [3, 15], closed: [12] });
  });

  test("the summary names the class, each phase's stacks, the re-check's passes and the previews by number", () => {
    const lines = summaryLines("staging", {
      acceptBoth: [{ stack: "staging", outcome: "applied" }, { stack: "pr-7", outcome: "unchanged" }],
      recheck: [["pr-15"], []],
      edge: [{ stack: "edge-example-com", outcome: "applied" }],
      dropOld: [{ stack: "staging", outcome: "applied" }, { stack: "pr-7", outcome: "applied" }],
    });
    expect(lines).toEqual([
      "rotate:origin staging: summary",
      "  accept both: staging (applied), pr-7 (unchanged)",
      "  re-check:    pass 1: re-applied pr-15; pass 2: no change",
      "  edge:        edge-example-com (applied)",
      "  drop old:    staging (applied), pr-7 (applied)",
      "  previews:    #7, #15",
    ]);
  });
});

describe("the listener-only guard (unexpectedChanges) on reviewed plans", () => {
  test("in-place listener rule updates (and no-ops) pass", () => {
    expect(unexpectedChanges(LISTENERS_ONLY, "aws_lb_listener_rule")).toEqual([]);
  });

  test("a missing alert webhook variable (SNS subscription destroyed) is refused, by address", () => {
    const plan = rotationPlan([listenerUpdate("web"), rc("aws_sns_topic_subscription.webhook_chat", ["delete"], { endpoint: "https://x" }, null)]);
    expect(unexpectedChanges(plan, "aws_lb_listener_rule")).toEqual(["aws_sns_topic_subscription.webhook_chat: delete"]);
  });

  test("a listener rule replaced, created or destroyed is refused; so is any other type's update", () => {
    const plan = rotationPlan([rc("aws_lb_listener_rule.web", ["delete", "create"]), rc("aws_lb_listener_rule.api", ["create"], null), rc("aws_ecs_task_definition.web", ["delete", "create"]), rc("aws_ecs_service.web", ["update"])]);
    expect(unexpectedChanges(plan, "aws_lb_listener_rule")).toEqual(["aws_lb_listener_rule.web: replace", "aws_lb_listener_rule.api: create", "aws_ecs_task_definition.web: replace", "aws_ecs_service.web: update"]);
  });

  test("moves, imports, review risks and changed outputs are refused too", () => {
    const plan = rotationPlan(
      [rc("aws_lb_listener_rule.web", ["no-op"], {}, {}, { previous_address: "aws_lb_listener_rule.old" }), rc("aws_db_instance.db", ["delete"], { deletion_protection: true }, null)],
      { services_image_tag: { actions: ["update"], before: "a", after: "b" } },
    );
    const out = unexpectedChanges(plan, "aws_lb_listener_rule");
    expect(out).toEqual(
      expect.arrayContaining([
        "aws_lb_listener_rule.web: move from aws_lb_listener_rule.old",
        "aws_db_instance.db: delete",
        expect.stringMatching(/^aws_db_instance\.db: stateful-destroy/),
        expect.stringMatching(/^aws_db_instance\.db: deletion-protection-off/),
        "output.services_image_tag: changes",
      ]),
    );
  });

  test("counts in the review with no matching address still refuse (the review is the source of truth)", () => {
    const plan: RotationPlan = { ...LISTENERS_ONLY, review: { ...LISTENERS_ONLY.review, byType: { ...LISTENERS_ONLY.review.byType, aws_sns_topic_subscription: { add: 0, change: 0, replace: 0, destroy: 1, import: 0, forget: 0, move: 0 } } } };
    expect(unexpectedChanges(plan, "aws_lb_listener_rule")).toEqual(["aws_sns_topic_subscription: 1 to destroy"]);
  });

  test("the edge: ruleset updates pass; a DNS record or certificate change does not", () => {
    expect(unexpectedChanges(EDGE_SWITCH, "cloudflare_ruleset")).toEqual([]);
    const drift = rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"]), rc("cloudflare_dns_record.validation", ["update"]), rc("aws_acm_certificate.prod", ["delete", "create"])]);
    expect(unexpectedChanges(drift, "cloudflare_ruleset")).toEqual(["cloudflare_dns_record.validation: update", "aws_acm_certificate.prod: replace", expect.stringMatching(/^aws_acm_certificate\.prod: stateful-replace/)]);
  });
});

describe("edgeSwitchProblems: the other class's value stays", () => {
  test("staging switched, prod's value unchanged: fine; no change at all: fine", () => {
    expect(edgeSwitchProblems("staging", INPUTS, EDGE_SWITCH.changes)).toEqual([]);
    expect(edgeSwitchProblems("staging", INPUTS, NO_CHANGE.changes)).toEqual([]);
  });

  test("a wrong value for the other class would change its header: refused, naming the variable, never a value", () => {
    const wrong = "wr0ng".repeat(8);
    const plan = rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, PROD), ruleset(NEW, wrong))]);
    const problems = edgeSwitchProblems("staging", { ...INPUTS, other: wrong }, plan.changes);
    expect(problems).toEqual([expect.stringMatching(/^TF_VAR_origin_verify_secret_prod is not the value the edge sends to prod's hosts now: .*lock prod out/)]);
    for (const p of problems) for (const s of [...SECRETS, wrong]) expect(p).not.toContain(s);
  });

  test("a ruleset change that does not send the new value is refused", () => {
    const plan = rotationPlan([rc("cloudflare_ruleset.cache", ["update"], { rules: [{ ttl: 1 }] }, { rules: [{ ttl: 2 }] })]);
    expect(edgeSwitchProblems("staging", INPUTS, plan.changes)).toEqual([expect.stringMatching(/changes cloudflare_ruleset\.cache but none of them sends the new value of staging/)]);
  });
});

/**
 * Fakes for the executor over a small world: each stack's deployed secrets ("old" only, "accept-both",
 * "drop-old"; the edge "old" or "new"). A plan changes listener rules (the edge: its ruleset) unless
 * the stack already is as asked, then nothing; an apply makes it so. `plans` overrides a plan (return
 * undefined for the world's), `redeploy` moves stacks behind the script's back (a CI deploy) at
 * each event, `confirms` scripts the checkpoints.
 */
function fakeDeps(opts: {
  env?: Record<string, string | undefined>;
  listings?: (readonly number[])[];
  tags?: Record<string, string | undefined>;
  plans?: (target: RotationTarget, vars: Readonly<Record<string, string | undefined>>) => RotationPlan | string | undefined;
  deployed?: Record<string, string>;
  redeploy?: (event: string, deployed: Record<string, string>) => void;
  applyFails?: string;
  confirms?: boolean[];
  credentials?: string;
}) {
  const log = memoryLog();
  const events: string[] = [];
  const vars: { stack: string; step: "plan" | "apply"; vars: Readonly<Record<string, string | undefined>> }[] = [];
  const listings = [...(opts.listings ?? [[7, 12]])];
  let lastListing: readonly number[] = listings[0] ?? [];
  const confirms = [...(opts.confirms ?? [true, true])];
  const deployed: Record<string, string> = { ...opts.deployed };
  /** What each consumer's deployed secrets were when the edge was planned. */
  const atEdgePlan: Record<string, string>[] = [];
  const questions: string[] = [];
  const state = (stack: string) => deployed[stack] ?? "old";
  const phase = (v: Readonly<Record<string, string | undefined>>) => (v.TF_VAR_origin_verify_secret_previous === undefined ? "edge" : v.TF_VAR_origin_verify_secret_previous === "" ? "drop-old" : "accept-both");
  const event = (e: string) => {
    events.push(e);
    opts.redeploy?.(e, deployed);
  };
  const deps: RotateDeps = {
    env: opts.env ?? STAGING_ENV,
    log,
    checkCredentials: async () => opts.credentials,
    listPreviews: async () => {
      event("list");
      lastListing = listings.length ? listings.shift()! : lastListing;
      return lastListing;
    },
    runningImageTag: async (t) => {
      event(`tag ${t.stack}`);
      const tags: Record<string, string | undefined> = { prod: "abc1234", staging: "abc1234", ...Object.fromEntries([3, 7, 12, 15, 16, 17, 18].map((n) => [`pr-${n}`, `pr-${n}-0123abc`])), ...opts.tags };
      return { ok: true, tag: tags[t.stack] };
    },
    plan: async (t, v) => {
      event(`plan ${t.stack} ${phase(v)}`);
      vars.push({ stack: t.stack, step: "plan", vars: v });
      if (t.kind === "edge") atEdgePlan.push({ ...deployed });
      const world = t.kind === "edge" ? (state(t.stack) === "new" ? NO_CHANGE : EDGE_SWITCH) : state(t.stack) === phase(v) ? NO_CHANGE : LISTENERS_ONLY;
      const p = opts.plans?.(t, v) ?? world;
      return typeof p === "string" ? { ok: false, message: p } : { ok: true, plan: p };
    },
    apply: async (t, v) => {
      vars.push({ stack: t.stack, step: "apply", vars: v });
      if (opts.applyFails === t.stack) {
        event(`apply ${t.stack} ${phase(v)}`);
        return { ok: false, message: "terraform apply exited 1" };
      }
      deployed[t.stack] = t.kind === "edge" ? "new" : phase(v);
      event(`apply ${t.stack} ${phase(v)}`);
      return { ok: true };
    },
    confirm: async (q) => {
      questions.push(q);
      event(`confirm ${q.slice(0, 20)}`);
      return confirms.shift() ?? false;
    },
  };
  return { deps, log, events, vars, deployed, atEdgePlan, questions };
}
const APPLY: RotateArgs = { cls: "staging", mode: "apply", from: "accept-both" };
const noSecretIn = (text: string) => {
  for (const s of SECRETS) expect(text).not.toContain(s);
};

describe("rotateOrigin: the executor", () => {
  test("staging, two previews: accept both everywhere, checkpoint, re-check, edge, checkpoint, drop old, summary", async () => {
    const { deps, log, events, vars, questions } = fakeDeps({ listings: [[7, 12]] });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    expect(events).toEqual([
      "list",
      ...["staging", "pr-7", "pr-12"].flatMap((s) => [`tag ${s}`, `plan ${s} accept-both`, `apply ${s} accept-both`]),
      "confirm Have you set ORIGIN_",
      // The re-check: every consumer planned again with accept both; nothing changed, so no apply.
      "list",
      ...["staging", "pr-7", "pr-12"].flatMap((s) => [`tag ${s}`, `plan ${s} accept-both`]),
      "plan edge-example-com edge",
      "apply edge-example-com edge",
      "confirm No 403 spike, ORIGIN",
      "list",
      ...["staging", "pr-7", "pr-12"].flatMap((s) => [`tag ${s}`, `plan ${s} drop-old`, `apply ${s} drop-old`]),
    ]);
    // Each deploy at the tag the stack runs, the secrets as the phase wants them; apply gets what plan got.
    expect(vars.find((v) => v.stack === "pr-7" && v.step === "plan")!.vars).toEqual({ TF_VAR_image_tag: "pr-7-0123abc", TF_VAR_migration_image_tag: undefined, TF_VAR_origin_verify_secret: NEW, TF_VAR_origin_verify_secret_previous: OLD });
    expect(vars.find((v) => v.stack === "edge-example-com" && v.step === "apply")!.vars).toEqual({ TF_VAR_origin_verify_secret_staging: NEW, TF_VAR_origin_verify_secret_prod: PROD });
    expect(vars.filter((v) => v.stack === "staging").map((v) => v.vars.TF_VAR_origin_verify_secret_previous)).toEqual([OLD, OLD, OLD, "", ""]);
    expect(log.lines).toEqual(expect.arrayContaining(["  accept both: staging (applied), pr-7 (applied), pr-12 (applied)", "  re-check:    pass 1: no change", "  edge:        edge-example-com (applied)", "  previews:    #7, #12"]));
    expect(log.text()).toMatch(/GitHub: set ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS = the old value, then ORIGIN_VERIFY_SECRET_STAGING = the new value/);
    // The _PREVIOUS secret is deleted BEFORE drop old (asked at the second checkpoint), so the drop is final when the run ends.
    expect(questions[1]).toBe("No 403 spike, ORIGIN_VERIFY_SECRET_STAGING holds the new value, and ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS is deleted? Type yes to drop the old value");
    expect(log.text()).toMatch(/DELETE ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS: CI passes it as origin_verify_secret_previous/);
    expect(log.text()).toMatch(/done\. The old value opens none of these stacks any more, and stays dropped only while ORIGIN_VERIFY_SECRET_STAGING_PREVIOUS stays deleted/);
    expect(log.errors).toEqual([]);
    noSecretIn(log.text());
  });

  test("prod: prod only, never lists previews; the edge gets prod's new value and staging's current one", async () => {
    // Prod's rule moves from PROD to NEW; staging's keeps its current value (OLD here).
    const prodSwitch = rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, PROD), ruleset(OLD, NEW))]);
    const { deps, events, vars } = fakeDeps({ env: PROD_ENV, plans: (t) => (t.kind === "edge" ? prodSwitch : undefined) });
    expect(await rotateOrigin({ ...APPLY, cls: "prod" }, deps)).toBe(EXIT.ok);
    expect(events.filter((e) => !e.startsWith("confirm"))).toEqual([
      ...["tag prod", "plan prod accept-both", "apply prod accept-both"],
      ...["tag prod", "plan prod accept-both"],
      ...["plan edge-example-com edge", "apply edge-example-com edge"],
      ...["tag prod", "plan prod drop-old", "apply prod drop-old"],
    ]);
    expect(vars.find((v) => v.stack === "prod")!.vars).toMatchObject({ TF_VAR_origin_verify_secret: NEW, TF_VAR_origin_verify_secret_previous: PROD });
    expect(vars.find((v) => v.stack === "edge-example-com")!.vars).toEqual({ TF_VAR_origin_verify_secret_prod: NEW, TF_VAR_origin_verify_secret_staging: OLD });
  });

  test("a plan that does more than listener rules (missing webhook: SNS subscription destroyed) is refused: nothing applied, no edge, the stack and change named", async () => {
    const sns = rotationPlan([listenerUpdate("web"), rc("aws_sns_topic_subscription.alarm_webhook_chat", ["delete"], {}, null)]);
    const { deps, log, events } = fakeDeps({ plans: (t) => (t.stack === "staging" ? sns : undefined) });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events).toEqual(["list", "tag staging", "plan staging accept-both"]);
    const error = log.errors.join("\n");
    expect(error).toMatch(/STOPPED at staging \(accept both at abc1234: current = new, previous = old\): refused: the plan changes more than in-place aws_lb_listener_rule updates, so nothing was applied to staging/);
    expect(error).toMatch(/aws_sns_topic_subscription\.alarm_webhook_chat: delete/);
    expect(error).toMatch(/Resume with the same environment variables: npm run rotate:origin -- staging --apply$/);
  });

  test("an apply failure in accept both stops there: the edge is never planned; resume reruns the whole command", async () => {
    const { deps, log, events } = fakeDeps({ applyFails: "pr-7" });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events.at(-1)).toBe("apply pr-7 accept-both");
    expect(events.some((e) => e.includes("edge"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/STOPPED at pr-7 .*the apply failed: terraform apply exited 1\.\nResume with the same environment variables: npm run rotate:origin -- staging --apply$/);
  });

  test("a consumer already accepting both (no-change plan) is not applied", async () => {
    const { deps, events, log } = fakeDeps({ deployed: { "pr-7": "accept-both" } });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    expect(events).not.toContain("apply pr-7 accept-both");
    expect(events).toContain("apply pr-7 drop-old");
    expect(log.text()).toMatch(/pr-7: already done \(the plan changes nothing\); not applied/);
    expect(log.lines).toContain("  accept both: staging (applied), pr-7 (unchanged), pr-12 (applied)");
  });

  test("a preview opened since step 1 accepts both before the edge switches", async () => {
    const { deps, events, log } = fakeDeps({ listings: [[7], [7, 15], [7, 15]] });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    const at = (e: string) => events.indexOf(e);
    expect(at("apply pr-15 accept-both")).toBeGreaterThan(at("confirm Have you set ORIGIN_"));
    expect(at("apply pr-15 accept-both")).toBeLessThan(at("plan edge-example-com edge"));
    expect(at("apply pr-15 drop-old")).toBeGreaterThan(at("apply edge-example-com edge"));
    expect(log.text()).toMatch(/opened since step 1: pr-15\n/);
    expect(log.lines).toContain("  re-check:    pass 1: re-applied pr-15; pass 2: no change");
    expect(log.lines).toContain("  previews:    #7, #15");
  });

  test("a newcomer whose plan is refused stops the run before the edge, naming it", async () => {
    const { deps, events, log } = fakeDeps({ listings: [[7], [7, 15]], plans: (t) => (t.stack === "pr-15" ? rotationPlan([rc("aws_ecs_service.web", ["update"])]) : undefined) });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events.some((e) => e.includes("edge"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/STOPPED at pr-15 .*aws_ecs_service\.web: update/s);
  });

  test("previews that keep opening: the edge is not switched; the run stops naming the last pass's newcomer", async () => {
    const listings = [[7], [7, 15], [7, 15, 16], [7, 15, 16, 17], [7, 15, 16, 17, 18]];
    const { deps, events, log } = fakeDeps({ listings });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events.filter((e) => e === "list")).toHaveLength(RECHECK_ROUNDS + 1);
    expect(events.some((e) => e.includes("edge"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/STOPPED before the edge switch: consumers keep changing: re-check 3 of 3 still had to apply pr-17 \(/);
  });

  test("a consumer redeployed with the old value only between step 1 and the edge switch is applied again before the edge", async () => {
    // A main push's deploy (started before the GitHub secrets changed) finishes during the checkpoint: staging accepts old only again.
    const { deps, events, log, atEdgePlan } = fakeDeps({ redeploy: (e, d) => void (e.startsWith("confirm Have you set") && (d.staging = "old")) });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    const applied = events.flatMap((e, i) => (e === "apply staging accept-both" ? [i] : []));
    expect(applied).toHaveLength(2);
    expect(applied[1]).toBeGreaterThan(events.indexOf("confirm Have you set ORIGIN_"));
    expect(applied[1]).toBeLessThan(events.indexOf("plan edge-example-com edge"));
    // When the edge is planned, every consumer accepts both.
    expect(atEdgePlan).toEqual([{ staging: "accept-both", "pr-7": "accept-both", "pr-12": "accept-both" }]);
    expect(log.lines).toContain("  re-check:    pass 1: re-applied staging; pass 2: no change");

    // Prod too: its one consumer is re-checked the same way.
    const prod = fakeDeps({ env: PROD_ENV, plans: (t) => (t.kind === "edge" ? rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, PROD), ruleset(OLD, NEW))]) : undefined), redeploy: (e, d) => void (e.startsWith("confirm Have you set") && (d.prod = "old")) });
    expect(await rotateOrigin({ ...APPLY, cls: "prod" }, prod.deps)).toBe(EXIT.ok);
    expect(prod.events.filter((e) => e === "apply prod accept-both")).toHaveLength(2);
    expect(prod.atEdgePlan).toEqual([{ prod: "accept-both" }]);
  });

  test("the re-check repeats until a whole pass changes nothing: a stack set back after its own check is caught by the next pass", async () => {
    let rechecking = false;
    let hit = false;
    const redeploy = (e: string, d: Record<string, string>) => {
      if (e.startsWith("confirm Have you set")) {
        rechecking = true;
        d["pr-12"] = "old";
      }
      // Staging, already checked in this pass, is redeployed with the old value while pr-7 is planned.
      if (rechecking && e === "plan pr-7 accept-both" && !hit) {
        hit = true;
        d.staging = "old";
      }
    };
    const { deps, events, log, atEdgePlan } = fakeDeps({ redeploy });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    expect(log.lines).toContain("  re-check:    pass 1: re-applied pr-12; pass 2: re-applied staging; pass 3: no change");
    expect(events.filter((e) => e === "apply staging accept-both")).toHaveLength(2);
    expect(atEdgePlan).toEqual([{ staging: "accept-both", "pr-7": "accept-both", "pr-12": "accept-both" }]);
  });

  test("a consumer that keeps changing stops the run before the edge, naming only it", async () => {
    // Something keeps deploying pr-12 with the old value only (a workflow loop, or GitHub's secrets not set as confirmed).
    let rechecking = false;
    const redeploy = (e: string, d: Record<string, string>) => {
      if (e.startsWith("confirm Have you set")) rechecking = true;
      if (rechecking && e === "tag pr-12") d["pr-12"] = "old";
    };
    const { deps, events, log } = fakeDeps({ redeploy });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events.filter((e) => e === "apply pr-12 accept-both")).toHaveLength(1 + RECHECK_ROUNDS);
    expect(events.filter((e) => e === "apply staging accept-both")).toHaveLength(1);
    expect(events.some((e) => e.includes("edge"))).toBe(false);
    const error = log.errors.join("\n");
    expect(error).toMatch(/STOPPED before the edge switch: consumers keep changing: re-check 3 of 3 still had to apply pr-12 \(deployed with the old value only since the previous pass/);
    expect(error).toMatch(/The edge was not switched: Cloudflare still sends the old value, which every consumer accepts\..*resume with the same environment variables: npm run rotate:origin -- staging --apply$/s);
  });

  test("a preview that closed meanwhile is fine; drop old covers the previews open then", async () => {
    const { deps, events } = fakeDeps({ listings: [[7, 12], [7], [7]] });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.ok);
    expect(events.filter((e) => e.endsWith("drop-old") && e.startsWith("apply"))).toEqual(["apply staging drop-old", "apply pr-7 drop-old"]);
  });

  test("the edge plan with a wrong value for the other class is refused: nothing applied, no drop old", async () => {
    const wrong = rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, "s0m3".repeat(10)), ruleset(NEW, PROD))]);
    const { deps, events, log } = fakeDeps({ plans: (t) => (t.kind === "edge" ? wrong : undefined) });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events).not.toContain("apply edge-example-com edge");
    expect(events.some((e) => e.endsWith("drop-old"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/STOPPED at edge-example-com .*TF_VAR_origin_verify_secret_prod is not the value the edge sends to prod's hosts now/);
  });

  test("an edge plan that touches more than rulesets is refused", async () => {
    const { deps, events, log } = fakeDeps({ plans: (t) => (t.kind === "edge" ? rotationPlan([rc("cloudflare_ruleset.origin_verify", ["update"], ruleset(OLD, PROD), ruleset(NEW, PROD)), rc("cloudflare_dns_record.www", ["update"])]) : undefined) });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events).not.toContain("apply edge-example-com edge");
    expect(log.errors.join("\n")).toMatch(/more than in-place cloudflare_ruleset updates.*cloudflare_dns_record\.www: update/s);
    expect(log.errors.join("\n")).toMatch(/deploy the pending edge change first, with a normal reviewed deploy and both classes' CURRENT values \(npm run deploy -- edge-example-com\)/);
  });

  test("checkpoint A not confirmed: consumers accept both, the edge is untouched, resume reruns the command", async () => {
    const { deps, events, log } = fakeDeps({ confirms: [false] });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events.some((e) => e.includes("edge"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/STOPPED before the edge switch \(not confirmed\).*Resume with the same environment variables: npm run rotate:origin -- staging --apply \(/s);
  });

  test("checkpoint B not confirmed: the edge switched, nothing dropped, resume with --from drop-old", async () => {
    const { deps, events, log } = fakeDeps({ confirms: [true, false] });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(events).toContain("apply edge-example-com edge");
    expect(events.some((e) => e.endsWith("drop-old"))).toBe(false);
    expect(log.errors.join("\n")).toMatch(/npm run rotate:origin -- staging --apply --from drop-old$/);
  });

  test("--from drop-old: the edge must already send the new value (no-change plan), the deletion is confirmed, then only drop old runs", async () => {
    const { deps, events } = fakeDeps({ deployed: { "edge-example-com": "new" } });
    expect(await rotateOrigin({ ...APPLY, from: "drop-old" }, deps)).toBe(EXIT.ok);
    expect(events).toEqual(["list", "plan edge-example-com edge", "confirm No 403 spike, ORIGIN", "list", ...["staging", "pr-7", "pr-12"].flatMap((s) => [`tag ${s}`, `plan ${s} drop-old`, `apply ${s} drop-old`])]);
    const declined = fakeDeps({ deployed: { "edge-example-com": "new" }, confirms: [false] });
    expect(await rotateOrigin({ ...APPLY, from: "drop-old" }, declined.deps)).toBe(EXIT.failed);
    expect(declined.events.some((e) => e.endsWith("drop-old"))).toBe(false);
    expect(declined.log.errors.join("\n")).toMatch(/STOPPED before "drop old" \(not confirmed\).*npm run rotate:origin -- staging --apply --from drop-old$/s);
  });

  test("--from drop-old while the edge still sends the old value: stops, nothing changed", async () => {
    const { deps, events, log } = fakeDeps({});
    expect(await rotateOrigin({ ...APPLY, from: "drop-old" }, deps)).toBe(EXIT.failed);
    expect(events).toEqual(["list", "plan edge-example-com edge"]);
    expect(log.errors.join("\n")).toMatch(/edge-example-com does not send the new value yet .*cloudflare_ruleset\.origin_verify: update.*Run the whole rotation with the same environment variables: npm run rotate:origin -- staging --apply$/s);
  });

  test("a preview with no running tag, or one it may not run, stops before its plan", async () => {
    const none = fakeDeps({ tags: { "pr-12": undefined } });
    expect(await rotateOrigin(APPLY, none.deps)).toBe(EXIT.failed);
    expect(none.events.at(-1)).toBe("tag pr-12");
    expect(none.log.errors.join("\n")).toMatch(/STOPPED at pr-12 \(accept both\): its state has no services_image_tag output/);
    const main = fakeDeps({ tags: { "pr-12": "abc1234" } });
    expect(await rotateOrigin(APPLY, main.deps)).toBe(EXIT.failed);
    expect(main.log.errors.join("\n")).toMatch(/STOPPED at pr-12 \(accept both\): it runs "abc1234" is not an image tag this stack may run.*npm run preview:up -- 12/);
  });

  test("a failed plan stops with Terraform's message", async () => {
    const { deps, log } = fakeDeps({ plans: () => "Error: error configuring S3 Backend: no valid credential sources" });
    expect(await rotateOrigin(APPLY, deps)).toBe(EXIT.failed);
    expect(log.errors.join("\n")).toMatch(/STOPPED at staging .*the plan failed: Error: error configuring S3 Backend.*Nothing was applied to staging/s);
  });

  test("dry run: prints the numbered steps and every stack, plans and applies nothing", async () => {
    const { deps, events, log } = fakeDeps({ listings: [[12, 7]] });
    expect(await rotateOrigin({ ...APPLY, mode: "dry-run" }, deps)).toBe(EXIT.ok);
    expect(events).toEqual(["list"]);
    const text = log.text();
    expect(text).toMatch(/rotate:origin staging \(dry run\): consumers: staging and 2 open preview\(s\) \(#7, #12\); edge: edge-example-com/);
    expect(text).toMatch(/ {2}1\. "accept both".*\n {5}stacks: staging, pr-7, pr-12/);
    expect(text).toMatch(/ {2}4\. Switch the edge.*\n {5}stacks: edge-example-com/);
    expect(text).toMatch(/ {2}6\. "drop old".*\n {5}stacks: staging, pr-7, pr-12/);
    expect(text).toMatch(/dry run: nothing was touched\. To run these steps: npm run rotate:origin -- staging --apply$/);
    noSecretIn(text);
  });

  test("missing inputs or credentials: exit 2 before anything is listed or planned", async () => {
    const missing = fakeDeps({ env: { ...STAGING_ENV, SHIPKIT_ORIGIN_SECRET_NEW: undefined, TF_VAR_alert_webhook_chat: undefined } });
    expect(await rotateOrigin(APPLY, missing.deps)).toBe(EXIT.usage);
    expect(missing.events).toEqual([]);
    expect(missing.log.errors.join("\n")).toMatch(/nothing was run\. Missing or invalid inputs:\n {2}- SHIPKIT_ORIGIN_SECRET_NEW is not set.*\n {2}- TF_VAR_alert_webhook_chat is not set/s);
    const creds = fakeDeps({ credentials: "no AWS credentials (Could not load credentials from any providers)" });
    expect(await rotateOrigin(APPLY, creds.deps)).toBe(EXIT.usage);
    expect(creds.events).toEqual([]);
    expect(creds.log.errors.join("\n")).toMatch(/nothing was run: no AWS credentials .*operator principal listed in the bootstrap's operators for both accounts \(docs\/ci\.md\): it assumes prod's deploy role for the edge .*staging's deploy role and the preview role for the consumers/);
  });
});

describe("terraformRotateDeps: the real wiring, with a recording runner", () => {
  test("reads the tag after one synth per preview; applies the saved plan in the stack's folder with the step's variables", async () => {
    const synths: (number | undefined)[] = [];
    const run = recordingRunner((line) => (line.startsWith("terraform output") ? { stdout: outputsJson({ services_image_tag: "pr-7-0123abc" }) } : undefined));
    const real = terraformRotateDeps({ root: "/project", env: { PATH: "/bin", TF_VAR_migration_image_tag: "leftover" }, synth: (pr) => void synths.push(pr), progress: () => undefined, run });
    const pr7: RotationTarget = { stack: "pr-7", kind: "consumer", pr: 7 };
    expect(await real.runningImageTag(pr7)).toEqual({ ok: true, tag: "pr-7-0123abc" });
    expect(await real.runningImageTag(pr7)).toEqual({ ok: true, tag: "pr-7-0123abc" });
    expect(synths).toEqual([7]);
    expect(await real.apply(pr7, consumerVariables("accept-both", INPUTS, "pr-7-0123abc"))).toEqual({ ok: true });
    const apply = run.calls.at(-1)!;
    expect(`${apply.command} ${apply.args.join(" ")}`).toBe("terraform apply -input=false -no-color -lock-timeout=5m rotate.tfplan");
    expect(apply.cwd).toBe(path.join("/project", "cdktf.out", "stacks", "pr-7"));
    expect(apply.env).toMatchObject({ PR_NUMBER: "7", CHECKPOINT_DISABLE: "1", TF_VAR_image_tag: "pr-7-0123abc", TF_VAR_origin_verify_secret: NEW, TF_VAR_origin_verify_secret_previous: OLD, TF_VAR_db_master_password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(apply.env.TF_VAR_migration_image_tag).toBeUndefined();
  });

  test("a failed apply or state read is reported, not thrown", async () => {
    const run = recordingRunner(() => ({ code: 1 }));
    const real = terraformRotateDeps({ root: "/project", env: {}, synth: () => undefined, progress: () => undefined, run });
    expect(await real.runningImageTag({ stack: "staging", kind: "consumer" })).toEqual({ ok: false, message: expect.stringMatching(/terraform init in \/project\/cdktf\.out\/stacks\/staging exited 1/) });
    expect(await real.apply({ stack: "staging", kind: "consumer" }, {})).toEqual({ ok: false, message: expect.stringMatching(/terraform apply rotate\.tfplan .* exited 1/) });
  });
});

describe("the guard on a real Terraform plan (built-in terraform_data, no provider)", () => {
  test("an in-place update passes and carries the sensitive values the edge check compares; a replacement is refused", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotate-origin-tf-"));
    try {
      const config = {
        variable: { secret: { type: "string", sensitive: true }, shape: { type: "string", default: "a" } },
        resource: { terraform_data: { rule: { input: { values: ["${var.secret}"] } }, other: { triggers_replace: ["${var.shape}"] } } },
      };
      fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(config));
      const env = { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_VAR_secret: OLD };
      execFileSync("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
      execFileSync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, env, stdio: "pipe" });
      const plan = async (vars: Record<string, string>) => {
        const s = await planStack("t", dir, { ...env, ...vars }, { init: "skip", planFile: "rotate.tfplan" });
        if (!s.ok || !s.plan || !s.review) throw new Error(s.error);
        return { review: s.review, ...planChanges(s.plan) };
      };
      const update = await plan({ TF_VAR_secret: NEW });
      expect(update.changes.map((c) => `${c.address} ${c.action}`)).toEqual(["terraform_data.rule update"]);
      expect(unexpectedChanges(update, "terraform_data")).toEqual([]);
      // The sensitive values are in the JSON plan (so the edge check can compare them), and only there.
      expect(JSON.stringify(update.changes[0]!.before)).toContain(OLD);
      expect(JSON.stringify(update.changes[0]!.after)).toContain(NEW);
      const replace = await plan({ TF_VAR_secret: NEW, TF_VAR_shape: "b" });
      expect(unexpectedChanges(replace, "terraform_data")).toEqual(["terraform_data.other: replace"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the real entry (no AWS credentials, no network)", () => {
  test("with no inputs: lists every missing one, exit 2", async () => {
    const r = await runScript("rotate-origin.ts", ["staging"]);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(EXIT.usage);
    const listed = [...r.stderr.matchAll(/^ {2}- ([A-Z_a-z]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual(["TF_VAR_origin_verify_secret", "SHIPKIT_ORIGIN_SECRET_NEW", "TF_VAR_origin_verify_secret_prod", "CLOUDFLARE_API_TOKEN", "TF_VAR_cloudflare_zone_id", "TF_VAR_alert_webhook_chat"]);
  });

  test("with every input but no credentials: stops at credentials, prints no secret, exit 2", async () => {
    const env = Object.fromEntries(Object.entries(STAGING_ENV).filter((e): e is [string, string] => e[1] !== undefined));
    const r = await runScript("rotate-origin.ts", ["staging", "--apply"], env);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/rotate:origin staging: nothing was run: no AWS credentials \(Could not load credentials from any providers\)/);
    noSecretIn(r.stdout + r.stderr);
  });

  test("a secret on the command line is refused without being echoed", async () => {
    const r = await runScript("rotate-origin.ts", ["staging", NEW]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/unexpected argument \(not shown: it may be a secret/);
    expect(r.stderr).not.toContain(NEW);
  });
});

/**
 * What a reviewer needs from a plan, read from Terraform's own JSON plan (never from its prose):
 * counts per action and per resource type, and the risks first. The same code reviews an online
 * plan (real state) and an offline one (empty state, or a state fabricated from the base revision).
 */
import { actionOf, type PlanChange, type PlanJson, type ResourceChange } from "./plan-json";

/** Types whose destruction or replacement loses data or identity that cannot be recreated. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_cloudwatch_log_group",
  "aws_ecr_repository",
  "aws_secretsmanager_secret",
  "aws_acm_certificate",
  "aws_dynamodb_table",
  "aws_efs_file_system",
  "aws_elasticache_replication_group",
  "aws_backup_vault",
  // In-flight and dead-lettered messages, metric history: lost with the resource.
  "aws_sqs_queue",
  "aws_prometheus_workspace",
]);

export interface Counts {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  import: number;
  forget: number;
  /** Renamed by a `moved` block (may also change). */
  move: number;
}

export const emptyCounts = (): Counts => ({ add: 0, change: 0, replace: 0, destroy: 0, import: 0, forget: 0, move: 0 });

export type RiskKind = "stateful-destroy" | "stateful-replace" | "deletion-protection-off" | "iam-widening" | "security-group-widening" | "rollout-wait-changed";

export interface Risk {
  readonly kind: RiskKind;
  /** Resource address, or `output.<name>`. */
  readonly address: string;
  readonly detail: string;
  /** Blocking risks make `npm run plan` exit non-zero unless explicitly allowed. */
  readonly blocking: boolean;
}

export interface PlanReview {
  readonly counts: Counts;
  /** Per resource type, the same counts. */
  readonly byType: Readonly<Record<string, Counts>>;
  /** Risks, blocking ones first. */
  readonly risks: readonly Risk[];
  /** Things worth a line that are not risks (e.g. values only known after apply). */
  readonly notes: readonly string[];
  /** Outputs the plan changes (added, changed or removed). */
  readonly outputChanges: number;
  /** True when the plan started from a state with no resources (a new stack, or an offline plan without --base). */
  readonly fromEmptyState: boolean;
}

/** Reviews a JSON plan. `rolloutOutput` names the output holding the modeled rollout wait. */
export function reviewPlan(plan: PlanJson, opts: { readonly rolloutOutput?: string } = {}): PlanReview {
  const counts = emptyCounts();
  const byType: Record<string, Counts> = {};
  const risks: Risk[] = [];
  const notes: string[] = [];
  // Data sources read during the plan (remote state, policy documents) are in prior_state too: count managed resources only.
  const fromEmptyState = !(plan.prior_state?.values?.root_module?.resources ?? []).some((r) => (r as { mode?: string }).mode === "managed");
  let unknownPolicies = 0;

  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed") continue;
    const action = actionOf(rc.change.actions);
    const t = (byType[rc.type] ??= emptyCounts());
    const bump = (k: keyof Counts) => {
      counts[k]++;
      t[k]++;
    };
    if (rc.change.importing) bump("import");
    if (rc.previous_address && rc.previous_address !== rc.address) bump("move");
    if (action === "create") bump("add");
    else if (action === "update") bump("change");
    else if (action === "replace") bump("replace");
    else if (action === "delete") bump("destroy");
    else if (action === "forget") bump("forget");

    if (STATEFUL_TYPES.has(rc.type) && (action === "delete" || action === "replace")) {
      const why = action === "replace" ? replaceReason(rc) : rc.action_reason ? ` (${rc.action_reason})` : "";
      risks.push({ kind: action === "delete" ? "stateful-destroy" : "stateful-replace", address: rc.address, detail: `${rc.type} ${action === "delete" ? "destroyed" : "replaced"}: its data is lost${why}`, blocking: true });
    }
    if (action === "update" || action === "replace" || action === "delete") risks.push(...protectionOff(rc));
    if (!fromEmptyState) {
      const widened = iamWidening(rc, action);
      if (widened === "unknown") unknownPolicies++;
      else if (widened) risks.push(widened);
      const sg = securityGroupWidening(rc, action);
      if (sg) risks.push(sg);
    }
  }

  const rollout = opts.rolloutOutput ? plan.output_changes?.[opts.rolloutOutput] : undefined;
  if (rollout && actionOf(rollout.actions) === "update" && rollout.before !== rollout.after)
    risks.push({ kind: "rollout-wait-changed", address: `output.${opts.rolloutOutput}`, detail: `modeled rollout wait ${String(rollout.before)} s → ${rollout.after === undefined || rollout.after === null ? "known after apply" : `${String(rollout.after)} s`}`, blocking: false });

  if (unknownPolicies)
    notes.push(`${unknownPolicies} IAM polic${unknownPolicies === 1 ? "y is" : "ies are"} only known after apply (a policy document reads a value that changes, e.g. a database attribute): their content is usually unchanged; check the resources they reference`);
  // A construct path that moved without a `moved` block: Terraform destroys the old address and
  // creates the new one. Same type destroyed and created in one plan is the sign worth a line.
  for (const [type, c] of Object.entries(byType))
    if (c.destroy && c.add)
      notes.push(`${type}: ${c.destroy} destroyed and ${c.add} created in one plan: if a construct was renamed or moved, add a \`moved\` block so Terraform keeps the resource`);
  if (fromEmptyState && (plan.resource_changes ?? []).some((r) => r.mode === "managed"))
    notes.push("planned from an empty state: every resource is new (offline without --base, or a stack never deployed)");
  risks.sort((a, b) => Number(b.blocking) - Number(a.blocking));
  const outputChanges = Object.values(plan.output_changes ?? {}).filter((o) => actionOf(o.actions) !== "no-op").length;
  return { counts, byType, risks, notes, fromEmptyState, outputChanges };
}

/** No resource and no output changes. */
export function isNoChange(review: PlanReview): boolean {
  return review.outputChanges === 0 && Object.values(review.counts).every((n) => n === 0);
}

function replaceReason(rc: ResourceChange): string {
  if (rc.change.actions.includes("forget")) return " (the old one is forgotten: kept in AWS, no longer managed; the configuration gets a new, empty one)";
  const paths = (rc.change.replace_paths ?? []).map((p) => p.join(".")).filter(Boolean);
  return paths.length ? ` (forced by ${paths.join(", ")})` : rc.action_reason ? ` (${rc.action_reason})` : "";
}

/** Attributes whose true→false (or false→true) turns off a guard against deleting data. */
const GUARDS: readonly { readonly attr: string; readonly guardedWhen: boolean }[] = [
  { attr: "deletion_protection", guardedWhen: true },
  { attr: "enable_deletion_protection", guardedWhen: true },
  { attr: "skip_final_snapshot", guardedWhen: false },
  { attr: "force_destroy", guardedWhen: false },
  { attr: "force_delete", guardedWhen: false },
];

function protectionOff(rc: ResourceChange): Risk[] {
  const before = asObject(rc.change.before);
  const after = asObject(rc.change.after);
  if (!before) return [];
  const risks: Risk[] = [];
  // A deleted secret is recoverable for its recovery window; 0 deletes it at once.
  const window = (o: Record<string, unknown> | undefined) => (typeof o?.recovery_window_in_days === "number" ? o.recovery_window_in_days : undefined);
  if (rc.type === "aws_secretsmanager_secret" && (window(before) ?? 0) > 0 && after && window(after) === 0)
    risks.push({ kind: "deletion-protection-off", address: rc.address, detail: `recovery_window_in_days ${String(window(before))} → 0: a deletion can no longer be undone`, blocking: true });
  // Object versions are what brings back an overwritten or deleted upload.
  const status = (o: Record<string, unknown> | undefined) => asObject(asArray(o?.versioning_configuration)[0])?.status;
  if (rc.type === "aws_s3_bucket_versioning" && status(before) === "Enabled" && (after === undefined || status(after) !== "Enabled"))
    risks.push({ kind: "deletion-protection-off", address: rc.address, detail: `versioning Enabled → ${after === undefined ? "removed" : String(status(after))}: overwritten or deleted objects can no longer be restored`, blocking: true });
  return risks.concat(GUARDS.filter((g) => before[g.attr] === g.guardedWhen && (after === undefined || (after[g.attr] !== undefined && after[g.attr] !== g.guardedWhen))).map((g) => ({
    kind: "deletion-protection-off" as const,
    address: rc.address,
    detail: after === undefined ? `${g.attr} was ${String(g.guardedWhen)}; the resource is deleted` : `${g.attr} ${String(g.guardedWhen)} → ${String(after[g.attr])}: the guard against losing its data is off`,
    blocking: true,
  })));
}

/** Attributes holding IAM policy JSON, per type. */
const POLICY_ATTRS: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  // Resource policies: who else may act on the resource.
  aws_s3_bucket_policy: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_ecr_repository_policy: ["policy"],
  aws_secretsmanager_secret_policy: ["policy"],
};
const ATTACHMENT_TYPES: ReadonlySet<string> = new Set(["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment"]);

/** New Allow grants (action × resource × principal × condition) in a policy, or "unknown" when the new policy is only known after apply. */
function iamWidening(rc: ResourceChange, action: string): Risk | "unknown" | undefined {
  if (action !== "create" && action !== "update" && action !== "replace") return undefined;
  if (ATTACHMENT_TYPES.has(rc.type) && action !== "update") {
    const arn = asObject(rc.change.after)?.policy_arn;
    return { kind: "iam-widening", address: rc.address, detail: `attaches ${typeof arn === "string" ? arn : "a managed policy (ARN known after apply)"}`, blocking: false };
  }
  const attrs = POLICY_ATTRS[rc.type];
  if (!attrs) return undefined;
  const added: string[] = [];
  for (const attr of attrs) {
    // A new role's trust policy grants nothing by itself (its policies do); a changed one can let in a new principal.
    if (attr === "assume_role_policy" && action === "create") continue;
    if (asObject(rc.change.after_unknown)?.[attr] === true) {
      if (action !== "create") return "unknown";
      added.push(`(${attr} known after apply)`);
      continue;
    }
    const after = grants(asObject(rc.change.after)?.[attr]);
    const before = new Set(action === "create" ? [] : grants(asObject(rc.change.before)?.[attr]));
    added.push(...after.filter((g) => !before.has(g)));
    // A Deny that goes away widens as much as a new Allow, unless a Deny after covers it (the same
    // action, principal and condition, on a resource set at least as large: `*`, the same, or a
    // NotResource set that excludes no more, e.g. one exception dropped from it).
    const deniesAfter = statementGrants(asObject(rc.change.after)?.[attr], "Deny");
    if (action !== "create")
      added.push(
        ...statementGrants(asObject(rc.change.before)?.[attr], "Deny")
          .filter((d) => !deniesAfter.some((n) => covers(n, d)))
          .map((d) => `(no longer denied) ${d.text}`),
      );
  }
  if (!added.length) return undefined;
  const shown = added.slice(0, 6).join("; ") + (added.length > 6 ? `; … ${added.length - 6} more` : "");
  return { kind: "iam-widening", address: rc.address, detail: `${action === "create" ? "new policy" : "policy"} grants ${shown}`, blocking: false };
}

/** One action × resource × principal × condition of a policy statement; a NotAction / NotResource list stays one negated set. */
interface Grant {
  readonly action: string;
  /** A resource, `""` when the statement names none, or the negated set (NotResource). */
  readonly resource: string | { readonly not: readonly string[] };
  readonly rest: string;
  readonly text: string;
}

/** The grants of one effect in a policy document (see Grant). */
function statementGrants(policy: unknown, effect: "Allow" | "Deny"): Grant[] {
  if (typeof policy !== "string" || !policy.trim()) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return [{ action: "", resource: "", rest: "", text: `unparsed policy ${policy.slice(0, 40)}` }];
  }
  const out: Grant[] = [];
  for (const s of asArray(asObject(doc)?.Statement).map(asObject)) {
    if (!s || s.Effect !== effect) continue;
    // NotAction [a, b] means every action but a and b: one negated set, never one grant per element.
    const actions = s.NotAction !== undefined ? [`NOT ${asArray(s.NotAction).map(String).sort().join(", ")}`] : asArray(s.Action).map(String);
    const resources: Grant["resource"][] = s.NotResource !== undefined ? [{ not: asArray(s.NotResource).map(String).sort() }] : s.Resource === undefined ? [""] : asArray(s.Resource).map(String);
    const principal = s.Principal === undefined ? "" : ` by ${JSON.stringify(s.Principal)}`;
    const condition = s.Condition === undefined ? "" : ` if ${JSON.stringify(s.Condition)}`;
    for (const action of actions)
      for (const resource of resources) {
        const r = typeof resource === "string" ? resource : `NOT ${resource.not.join(", ")}`;
        out.push({ action, resource, rest: `${principal}${condition}`, text: `${action}${r ? ` on ${r}` : ""}${principal}${condition}` });
      }
  }
  return out;
}

/** Whether Deny `n` denies at least what Deny `d` did (same action, principal and condition). */
function covers(n: Grant, d: Grant): boolean {
  if (n.action !== d.action || n.rest !== d.rest) return false;
  if (n.text === d.text || n.resource === "*") return true;
  // NOT S' covers NOT S when S' ⊆ S (it excludes no more), and a resource r that no pattern of S' matches.
  if (typeof n.resource === "object") {
    const excluded = n.resource.not;
    const old = d.resource;
    if (typeof old === "object") return excluded.every((x) => old.not.includes(x));
    return old !== "" && !excluded.some((pattern) => iamMatches(pattern, old));
  }
  return false;
}

/** IAM's resource wildcards: `*` any run of characters, `?` one character; a pattern against a literal or another pattern (conservatively: a wildcard in the value may match). */
function iamMatches(pattern: string, value: string): boolean {
  if (/[*?]/.test(value)) return true;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(value);
}

/** One string per Allow (or Deny) statement's action × resource × principal × condition of a policy document. */
export function grants(policy: unknown, effect: "Allow" | "Deny" = "Allow"): string[] {
  return statementGrants(policy, effect).map((g) => g.text);
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** A new or broadened security-group rule. */
function securityGroupWidening(rc: ResourceChange, action: string): Risk | undefined {
  if (action !== "create" && action !== "update" && action !== "replace") return undefined;
  const after = asObject(rc.change.after);
  const before = action === "create" ? undefined : asObject(rc.change.before);
  if (!after) return undefined;
  if (rc.type === "aws_vpc_security_group_ingress_rule" || rc.type === "aws_vpc_security_group_egress_rule" || rc.type === "aws_security_group_rule") {
    const rule = ruleKeys(after);
    const old = new Set(before ? ruleKeys(before) : []);
    const added = rule.filter((r) => !old.has(r));
    if (!added.length) return undefined;
    return { kind: "security-group-widening", address: rc.address, detail: `${action === "create" ? "new rule" : "rule now"} allows ${added.join(", ")}${added.some(isWorld) ? " (OPEN TO THE INTERNET)" : ""}`, blocking: false };
  }
  if (rc.type === "aws_security_group") {
    const added: string[] = [];
    for (const dir of ["ingress", "egress"]) {
      const now = asArray(after[dir]).flatMap((r) => ruleKeys(asObject(r) ?? {}).map((k) => `${dir} ${k}`));
      const old = new Set(before ? asArray(before[dir]).flatMap((r) => ruleKeys(asObject(r) ?? {}).map((k) => `${dir} ${k}`)) : []);
      added.push(...now.filter((k) => !old.has(k)));
    }
    if (!added.length || action === "create") return undefined;
    return { kind: "security-group-widening", address: rc.address, detail: `allows ${added.join(", ")}${added.some(isWorld) ? " (OPEN TO THE INTERNET)" : ""}`, blocking: false };
  }
  return undefined;
}

const isWorld = (key: string): boolean => [...WORLD].some((w) => key.endsWith(` from ${w}`));

/** `tcp 443 from 1.2.3.0/24` per source of a rule (inline block or rule resource). */
function ruleKeys(rule: Record<string, unknown>): string[] {
  const proto = String(rule.ip_protocol ?? rule.protocol ?? "?");
  const ports = rule.from_port === rule.to_port ? String(rule.from_port ?? "all") : `${String(rule.from_port)}-${String(rule.to_port)}`;
  const sources = [
    ...asArray(rule.cidr_blocks ?? []),
    ...asArray(rule.ipv6_cidr_blocks ?? []),
    ...asArray(rule.security_groups ?? []),
    ...asArray(rule.prefix_list_ids ?? []),
    ...[rule.cidr_ipv4, rule.cidr_ipv6, rule.referenced_security_group_id, rule.source_security_group_id, rule.prefix_list_id].filter((v) => typeof v === "string" && v),
    ...(rule.self === true ? ["self"] : []),
  ].map(String);
  return sources.map((s) => `${proto} ${ports} from ${s}`);
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

export type { PlanChange };

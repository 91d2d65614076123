/**
 * Renders plan reviews for people: a console summary and a pull-request comment (Markdown), risks
 * first. Used by `npm run plan` (online and offline) and `npm run plan:offline`.
 */
import type { AppliedSuppression } from "../../lib/policy/suppressions";
import type { PlanSummary } from "./offline";
import { isNoChange, type Counts, type Risk } from "./plan-review";

/** GitHub's limit on an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Hidden marker the workflow uses to find and update its one comment. */
export const COMMENT_MARKER = "<!-- shipkit-plan -->";
/** The pull-request label that allows a blocking (stateful) risk. */
export const ALLOW_LABEL = "allow-stateful-change";

/** Exit codes of `npm run plan`. */
export const EXIT = { ok: 0, planFailed: 1, usage: 2, riskNotAllowed: 3 } as const;

export interface StackReport {
  readonly summary: PlanSummary;
  /** Safety tier of the stack's environment. */
  readonly tier: string;
  /** What the plan was compared with: real state, an empty state, or a state built from a base revision. */
  readonly against: string;
  /** Guardrail suppressions in the stack: a reviewer sees what was switched off and why. */
  readonly suppressions: readonly AppliedSuppression[];
  /** Modeled monthly cost of the environment, when the stack is an environment. */
  readonly cost?: { readonly total: number; readonly priceDate: string };
}

export interface ReportOptions {
  /** Blocking risks are allowed (flag, or the PR label in CI). */
  readonly allowStateful: boolean;
}

const COLUMNS: readonly (keyof Counts)[] = ["add", "change", "replace", "destroy", "import", "forget", "move"];

/** Blocking risks of all stacks. */
export const blockingRisks = (reports: readonly StackReport[]): { stack: string; risk: Risk }[] =>
  reports.flatMap((r) => (r.summary.review?.risks ?? []).filter((x) => x.blocking).map((risk) => ({ stack: r.summary.stack, risk })));

/** 1 if a plan failed, 3 if a blocking risk is not allowed, else 0. */
export function exitCodeOf(reports: readonly StackReport[], opts: ReportOptions): number {
  if (reports.some((r) => !r.summary.ok)) return EXIT.planFailed;
  if (!opts.allowStateful && blockingRisks(reports).length) return EXIT.riskNotAllowed;
  return EXIT.ok;
}

const countLine = (c: Counts): string => COLUMNS.filter((k) => k !== "move" || c.move).map((k) => `${c[k]} to ${k === "add" ? "add" : k}`).join(", ");

/** Console summary. */
export function renderText(reports: readonly StackReport[], opts: ReportOptions): string {
  const out: string[] = [];
  for (const r of reports) {
    const s = r.summary;
    out.push(`== ${s.stack}  [tier: ${r.tier}]  ${s.ok ? "plan ok" : "PLAN FAILED"} in ${s.seconds.toFixed(1)} s  (against ${r.against})`);
    if (!s.ok || !s.review) {
      out.push(indent(s.error ?? "", "   "));
      continue;
    }
    const { review } = s;
    const blocking = review.risks.filter((x) => x.blocking);
    const other = review.risks.filter((x) => !x.blocking);
    if (blocking.length) {
      out.push(`   STATEFUL RISKS (${blocking.length}; ${opts.allowStateful ? "allowed by --allow-stateful" : `exit ${EXIT.riskNotAllowed} unless allowed: --allow-stateful, or the PR label ${ALLOW_LABEL}`}):`);
      for (const x of blocking) out.push(`     !! ${x.kind.toUpperCase()} ${x.address}: ${x.detail}`);
    }
    if (other.length) {
      out.push(`   review (${other.length}):`);
      for (const x of other) out.push(`     !  ${x.kind} ${x.address}: ${x.detail}`);
    }
    out.push(isNoChange(review) ? "   no changes" : `   ${countLine(review.counts)}${review.outputChanges ? `; ${review.outputChanges} output${review.outputChanges === 1 ? "" : "s"} changed` : ""}`);
    const types = Object.entries(review.byType).filter(([, c]) => COLUMNS.some((k) => k !== "move" && c[k])).sort(([a], [b]) => a.localeCompare(b));
    for (const [type, c] of types) out.push(`     ${typeLine(c)} ${type}`);
    if (s.outputs.modeled_rollout_seconds !== undefined) out.push(`   modeled rollout wait: ${String(s.outputs.modeled_rollout_seconds)} s (health checks to healthy + drain; bench:rollout compares)`);
    if (r.cost) out.push(`   estimated cost: $${r.cost.total.toFixed(2)}/month (list prices of ${r.cost.priceDate}; npm run bench:cost itemises)`);
    for (const n of review.notes) out.push(`   note: ${n}`);
    out.push(`   terraform warnings: ${s.warnings.length ? "" : "none"}`);
    for (const w of s.warnings) out.push(`     ! ${w}`);
    out.push(`   guardrail suppressions: ${r.suppressions.length ? "" : "none"}`);
    for (const x of r.suppressions) out.push(`     ~ [guardrail:${x.rule}] ${x.path}: ${x.reason}${x.silenced === false ? " (STALE: silences nothing; remove it)" : ""}`);
  }
  return out.join("\n");
}

const typeLine = (c: Counts): string =>
  [c.add && `+${c.add}`, c.change && `~${c.change}`, c.replace && `-/+${c.replace}`, c.destroy && `-${c.destroy}`, c.import && `<=${c.import}`, c.forget && `forget ${c.forget}`].filter(Boolean).join(" ").padStart(10);

/** Options of renderMarkdown. */
export interface MarkdownOptions extends ReportOptions {
  /** Heading of the comment. @default "shipkit plan" */
  readonly title?: string;
  /** Byte budget of the whole comment. @default GITHUB_COMMENT_LIMIT (65,536) */
  readonly limit?: number;
}

/**
 * A pull-request comment: the marker, a verdict, risks first, a summary table, changes by type,
 * then each stack's full plan in a collapsed block. Kept under `limit` bytes (GitHub counts
 * characters; bytes are never fewer): the full plans are trimmed first, and the comment says so.
 */
export function renderMarkdown(reports: readonly StackReport[], opts: MarkdownOptions): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  const blocking = blockingRisks(reports);
  const failed = reports.filter((r) => !r.summary.ok);
  // The head is rebuilt smaller when the comment must shrink: review (non-blocking) risks go before
  // anything else does; blocking risks and the verdict always stay.
  const buildHead = (reviewRows: boolean): string[] => {
    const head: string[] = [COMMENT_MARKER, `### ${opts.title ?? "shipkit plan"}: ${reports.map((r) => `\`${r.summary.stack}\``).join(", ")}`, ""];
    if (failed.length) head.push(`**Plan failed** for ${failed.map((r) => `\`${r.summary.stack}\``).join(", ")}.`);
    else if (blocking.length && !opts.allowStateful) head.push(`**Blocked: ${blocking.length} stateful risk${blocking.length === 1 ? "" : "s"}.** Data would be lost. If that is intended, add the label \`${ALLOW_LABEL}\` and re-run.`);
    else if (blocking.length) head.push(`**${blocking.length} stateful risk${blocking.length === 1 ? "" : "s"}, allowed** (label \`${ALLOW_LABEL}\`).`);
    else head.push("No stateful risk.");
    head.push("");

    const risks = reports.flatMap((r) => (r.summary.review?.risks ?? []).map((x) => ({ stack: r.summary.stack, x })));
    if (risks.length) {
      head.push("#### Risks", "", "| | stack | risk | resource | detail |", "|---|---|---|---|---|");
      for (const { stack, x } of risks) if (reviewRows || x.blocking) head.push(`| ${x.blocking ? "⛔" : "⚠️"} | ${stack} | ${x.kind} | \`${cell(x.address)}\` | ${cell(x.detail)} |`);
      const hidden = reviewRows ? 0 : risks.filter(({ x }) => !x.blocking).length;
      if (hidden) head.push("", `_${hidden} review risk${hidden === 1 ? "" : "s"} (widening, rollout) omitted to fit GitHub's comment limit; the job log lists them._`);
      head.push("");
    }
    head.push("#### Summary", "", `| stack | tier | against | ${COLUMNS.join(" | ")} | est. $/month |`, `|---|---|---|${COLUMNS.map(() => "---:").join("|")}|---:|`);
    for (const r of reports) {
      const c = r.summary.review?.counts;
      head.push(`| \`${r.summary.stack}\` | ${r.tier} | ${cell(r.against)} | ${c ? COLUMNS.map((k) => String(c[k])).join(" | ") : `plan failed |${" |".repeat(COLUMNS.length - 1)}`} | ${r.cost ? r.cost.total.toFixed(2) : ""} |`);
    }
    head.push("");
    for (const r of reports) {
      const notes = [...(r.summary.review?.notes ?? []), ...r.summary.warnings.map((w) => `terraform warning: ${w}`), ...r.suppressions.map((x) => `guardrail suppressed: [${x.rule}] ${x.path}: ${x.reason}`)];
      if (r.summary.error) notes.unshift(`error: ${r.summary.error.trim().split("\n").slice(0, 20).join(" ")}`);
      if (notes.length) head.push(`**${r.summary.stack}**:`, ...notes.map((n) => `- ${cell(n)}`), "");
    }
    const prices = reports.find((r) => r.cost)?.cost?.priceDate;
    if (prices) head.push(`<sub>Costs: modeled from the repository's price table (list prices of ${prices}); usage charges excluded.</sub>`, "");
    return head;
  };

  const byType = reports
    .filter((r) => r.summary.review)
    .map((r) => {
      const rows = Object.entries(r.summary.review!.byType)
        .filter(([, c]) => COLUMNS.some((k) => c[k]))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([t, c]) => `| \`${t}\` | ${COLUMNS.map((k) => (c[k] ? String(c[k]) : "")).join(" | ")} |`);
      return rows.length ? [`<details><summary>${r.summary.stack}: changes by resource type</summary>`, "", `| type | ${COLUMNS.join(" | ")} |`, `|---|${COLUMNS.map(() => "---:").join("|")}|`, ...rows, "", "</details>", ""].join("\n") : "";
    })
    .join("\n");

  // Shrink in order: the full plans (below), then the by-type tables, then the review risks.
  const reserveFor = (n: number) => 600 * Math.max(1, n) + 400;
  const nPlans = reports.filter((r) => r.summary.text !== undefined).length;
  let fixed = `${buildHead(true).join("\n")}\n${byType}\n`;
  if (bytes(fixed) + reserveFor(nPlans) > limit) fixed = `${buildHead(true).join("\n")}\n_Changes by resource type omitted to fit GitHub's comment limit; the job log has them._\n`;
  if (bytes(fixed) + reserveFor(nPlans) > limit) fixed = `${buildHead(false).join("\n")}\n_Changes by resource type omitted to fit GitHub's comment limit; the job log has them._\n`;
  const plans = reports.filter((r) => r.summary.text !== undefined);
  const wrap = (stack: string, body: string, note: string) => `<details><summary>${stack}: full plan${note}</summary>\n\n\`\`\`text\n${body}\n\`\`\`\n\n</details>\n`;
  const untrimmed = plans.map((r) => wrap(r.summary.stack, r.summary.text!.trimEnd(), ""));
  if (bytes(fixed + untrimmed.join("\n")) <= limit) return fixed + untrimmed.join("\n");
  // Too long: share what is left among the plans, cut each at a line, and say so.
  const room = Math.max(0, limit - bytes(fixed) - reserveFor(plans.length));
  const share = plans.length ? Math.floor(room / plans.length) : 0;
  const trimmed = plans.map((r) => {
    const full = r.summary.text!.trimEnd();
    const cut = cutAtLine(full, share);
    const dropped = full.length - cut.length;
    return wrap(r.summary.stack, `${cut}\n… ${dropped} characters trimmed to fit GitHub's ${GITHUB_COMMENT_LIMIT}-character comment limit`, ` (trimmed: run \`npm run plan -- ${r.summary.stack}\` for all of it)`);
  });
  let out = `${fixed}${trimmed.join("\n")}\n_The full plans were trimmed to fit GitHub's comment limit; the job log has them whole._\n`;
  if (bytes(out) > limit) out = `${cutAtLine(fixed, limit - 300)}\n\n_Comment trimmed to fit GitHub's ${GITHUB_COMMENT_LIMIT}-character limit; the job log has the whole summary._\n`;
  return out;
}

const bytes = (s: string): number => Buffer.byteLength(s, "utf8");

function cutAtLine(text: string, maxBytes: number): string {
  if (bytes(text) <= maxBytes) return text;
  let cut = Buffer.from(text, "utf8").subarray(0, Math.max(0, maxBytes)).toString("utf8");
  if (cut.endsWith("\uFFFD")) cut = cut.slice(0, -1);
  const nl = cut.lastIndexOf("\n");
  return nl > 0 ? cut.slice(0, nl) : cut;
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const indent = (text: string, pad: string) => text.trim().split("\n").map((l) => pad + l).join("\n");

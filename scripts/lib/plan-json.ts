/**
 * The parts of Terraform's JSON plan format (`terraform show -json <planfile>`, format 1.x) that the
 * summary and the offline base state read. Reference: Terraform docs, "JSON Output Format".
 */

/** One `change` object: before/after values, what is unknown until apply, what is sensitive. */
export interface PlanChange {
  /** e.g. ["create"], ["update"], ["delete","create"] (replace), ["create","delete"], ["delete"], ["no-op"], ["read"], ["forget"]. */
  readonly actions: readonly string[];
  readonly before: unknown;
  readonly after: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  /** Paths whose change forces replacement. */
  readonly replace_paths?: readonly (readonly (string | number)[])[];
  /** Set when the resource is imported by an `import` block. */
  readonly importing?: { readonly id?: string };
}

export interface ResourceChange {
  readonly address: string;
  /** Set when a `moved` block renamed the resource. */
  readonly previous_address?: string;
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly provider_name: string;
  readonly change: PlanChange;
  readonly action_reason?: string;
}

export interface PlanJson {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, PlanChange>>;
  readonly prior_state?: { readonly values?: { readonly root_module?: { readonly resources?: readonly unknown[] } } };
  readonly planned_values?: { readonly outputs?: Readonly<Record<string, { readonly sensitive?: boolean; readonly value?: unknown; readonly type?: unknown }>> };
  readonly errored?: boolean;
}

/** The action Terraform will take, from its `actions` list. */
export type Action = "create" | "update" | "replace" | "delete" | "no-op" | "read" | "forget";

export function actionOf(actions: readonly string[]): Action {
  if (actions.length === 2 && actions.includes("delete") && actions.includes("create")) return "replace";
  // Terraform 1.7+: a replacement whose old object is forgotten (kept in AWS, no longer managed):
  // for the configuration, still a new, empty resource in place of the old one.
  if (actions.length === 2 && actions.includes("forget") && actions.includes("create")) return "replace";
  const [a] = actions;
  if (a === "create" || a === "update" || a === "delete" || a === "read" || a === "forget") return a;
  return "no-op";
}

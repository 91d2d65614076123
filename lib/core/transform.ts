import { Annotations, TerraformResource, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { ConfigError } from "./errors";

/** A class of Terraform resource, e.g. `DbInstance` from `@cdktf/provider-aws/lib/db-instance`. */
export type ResourceClass<T extends TerraformResource> = abstract new (...args: never[]) => T;

/**
 * The one escape hatch: change any property of any resource a construct created, through the
 * resource's own typed setters (SST's `transform`, aws-cdk's `node.defaultChild`). Because it goes
 * through the setters, synth-time checks (the guardrails aspect) see the result and still fire.
 * Every use names the resource by its construct path and says why; each is printed at synth.
 */
export interface ResourceTransform {
  /** Construct path of the resource below its stack, e.g. `database/primary` (see `npx cdktf synth` output or `node.path`). */
  readonly path: string;
  /** Why the default is wrong here (at least 10 characters); printed at synth for reviewers. */
  readonly reason: string;
  /** Changes the resource. Use `transform(Class, path, reason, fn)` to get it typed. */
  readonly apply: (resource: TerraformResource) => void;
}

/**
 * A typed transform: `transform(DbInstance, "database/primary", "PI for the Q3 load test", (db) => { db.performanceInsightsEnabled = true; })`.
 * Applying it to a resource of another class fails, naming the path and both classes.
 */
export function transform<T extends TerraformResource>(cls: ResourceClass<T>, path: string, reason: string, fn: (resource: T) => void): ResourceTransform {
  return {
    path,
    reason,
    apply: (resource) => {
      if (!(resource instanceof cls)) throw new Error(`transform "${path}": the resource there is a ${resource.terraformResourceType}, not a ${cls.name}; fix the path or the class`);
      fn(resource);
    },
  };
}

/**
 * Applies transforms to the resources under `scope` (a stack), now: call it after the constructs
 * are built. A path that matches no resource, or a transform without a reason, is an error that
 * lists what the path could have meant.
 */
export function applyTransforms(scope: IConstruct, transforms: readonly ResourceTransform[]): void {
  if (!transforms.length) return;
  const byPath = resourcesByPath(scope);
  transforms.forEach((t, i) => {
    if (t.reason.trim().length < 10) throw new ConfigError(scope, `transforms[${i}].reason`, `${JSON.stringify(t.reason)} is too short; say why the default is wrong here (a reviewer reads it in the plan)`);
    const resource = byPath.get(t.path);
    if (!resource) throw new ConfigError(scope, `transforms[${i}].path`, noResourceAt(byPath, t.path));
    t.apply(resource);
    Annotations.of(resource).addInfo(`[transform] ${t.path}: ${t.reason}`);
  });
}

/** Every Terraform resource below `scope`, by its construct path relative to the stack (`database/primary`). */
export function resourcesByPath(scope: IConstruct): Map<string, TerraformResource> {
  const stack = TerraformStack.of(scope);
  const byPath = new Map<string, TerraformResource>();
  for (const c of scope.node.findAll()) if (c instanceof TerraformResource) byPath.set(c.node.path.slice(stack.node.path.length + 1), c);
  return byPath;
}

/** The problem text for a path that names no resource, listing the resources under the same first segment. */
export function noResourceAt(byPath: ReadonlyMap<string, TerraformResource>, path: string): string {
  const near = [...byPath.keys()].filter((p) => p.split("/")[0] === path.split("/")[0]).slice(0, 8);
  return `${JSON.stringify(path)} matches no resource; ${near.length ? `resources there: ${near.join(", ")}` : "use a construct path below the stack, e.g. database/primary"}`;
}

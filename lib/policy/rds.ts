import { Token } from "cdktf";
import type { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import type { RuleContext } from "./rule";

/**
 * The DbInstance of the stack that `replica` replicates: named by reference (identifier, id or arn)
 * or by a literal identifier equal to another instance's. Undefined when `replica` is no replica or its
 * source lives outside the stack.
 */
export function replicaSourceOf(ctx: RuleContext, replica: DbInstance, instances: readonly DbInstance[]): DbInstance | undefined {
  if (replica.replicateSourceDbInput === undefined) return undefined;
  const source = ctx.resolve(replica.replicateSourceDbInput);
  return instances.find(
    (i) => i !== replica && (ctx.refersTo(replica.replicateSourceDbInput, i, ["identifier", "id", "arn"]) || (i.identifierInput !== undefined && ctx.resolve(i.identifierInput) === source)),
  );
}

/**
 * The engine `instance` runs: its own `engine`, else (a replica inherits it) its source's, followed up
 * the chain of replicas of the stack. Undefined when unknown (a token, or a source outside the stack).
 */
export function engineOf(ctx: RuleContext, instance: DbInstance, instances: readonly DbInstance[], seen: ReadonlySet<DbInstance> = new Set()): string | undefined {
  if (instance.engineInput !== undefined) return Token.isUnresolved(instance.engineInput) ? undefined : instance.engineInput;
  const source = replicaSourceOf(ctx, instance, instances);
  return source && !seen.has(source) ? engineOf(ctx, source, instances, new Set([...seen, instance])) : undefined;
}

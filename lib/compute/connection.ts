import type { Construct } from "constructs";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";

/** A secret handed to the container through ECS `secrets` (never a plain env var). */
export interface TaskSecret {
  /** Secrets Manager secret ARN or SSM parameter ARN. */
  readonly arn: string;
  /** Key inside a JSON secret (e.g. `password` of a database secret). @default the whole value */
  readonly jsonKey?: string;
}

/** What a connection is bound to: the task's identity, once its roles exist. */
export interface WorkloadIdentity {
  /** Workload name part (`web`, `migrate`, `cron-nightly-report`), unique in the stack. */
  readonly name: string;
  /** The role the app's own code runs as: grants for buckets and queues go here. */
  readonly taskRole: IamRole;
  /** The role ECS uses to start the task (pull the image, read `secrets`). */
  readonly executionRole: IamRole;
  /** Security group the task runs in: network grants (ingress on a database) reference it. */
  readonly securityGroupId: string;
}

/**
 * A typed connection from a workload (service, scheduled task, one-off task) to something it uses:
 * the settings its container gets and the grants it needs. Services and scheduled tasks share this
 * model: a resource hands out a Connection (`databaseAccess(...)`, `uploads.connection()`), the task
 * merges its settings into the container definition and calls `bind` once its roles exist.
 * Nothing is granted by role-name strings.
 */
export interface Connection {
  /** Plain, non-secret environment variables for the container. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets ECS injects at task start; the execution role is allowed to read exactly these. @default {} */
  readonly secrets?: Readonly<Record<string, TaskSecret>>;
  /**
   * Grants the workload needs (IAM on its task role, a security-group rule): called once per
   * workload, with `scope` = the task construct, after its roles exist. @default none
   */
  readonly bind?: (scope: Construct, workload: WorkloadIdentity) => void;
}

/**
 * Merges connections' settings in order (later ones win on a clash of names; callers keep names
 * distinct). Returns plain variables and secrets for a container definition.
 */
export function mergeConnections(connections: readonly Connection[]): { environment: Record<string, string>; secrets: Record<string, TaskSecret> } {
  const environment: Record<string, string> = {};
  const secrets: Record<string, TaskSecret> = {};
  for (const c of connections) {
    Object.assign(environment, c.environment ?? {});
    Object.assign(secrets, c.secrets ?? {});
  }
  return { environment, secrets };
}

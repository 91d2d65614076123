import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { asRecord, asArray, defineRule, type Finding } from "../rule";


/** An SSM parameter name (same Region): letters, digits, `_ . -` and `/` for hierarchies. */
const SSM_NAME = /^[A-Za-z0-9_.\-/]+$/;

/**
 * References whose value is the full ARN of a Secrets Manager secret (`arn:…:secret:<name>-<6>`,
 * no colon in the name), so what follows them in a valueFrom can be checked as the
 * `:json-key:version-stage:version-id` suffix.
 */
const SECRET_ARN_REFERENCE = /^\$\{(?:data\.)?aws_secretsmanager_secret(?:_version)?\.[A-Za-z0-9_-]+\.arn\}|^\$\{aws_(?:db_instance|rds_cluster)\.[A-Za-z0-9_-]+\.master_user_secret\[0\]\.secret_arn\}/;

/** The suffix after a secret ARN: none, or exactly `:json-key:version-stage:version-id` (empty fields kept). */
const SECRET_SUFFIX = /^(?::[^:]*:[^:]*:[^:]*)?$/;

/**
 * Why ECS cannot use `valueFrom`, or `undefined` when it can (or when the value is built from
 * references this rule cannot read). ECS sends an ARN of service `secretsmanager` to Secrets
 * Manager, whose resource must be `secret:<id>` or `secret:<id>:<json-key>:<version-stage>:<version-id>`
 * (the container agent's parser refuses any other field count), and anything else to SSM
 * Parameter Store (an `ssm` parameter ARN, or a parameter name in the task's Region).
 */
export function valueFromProblem(valueFrom: string): string | undefined {
  if (valueFrom.includes("${")) {
    const ref = SECRET_ARN_REFERENCE.exec(valueFrom);
    if (!ref) return undefined; // Built from references this rule cannot read.
    const suffix = valueFrom.slice(ref[0].length);
    if (suffix.includes("${")) return undefined;
    return SECRET_SUFFIX.test(suffix)
      ? undefined
      : `follows the secret's ARN with ${JSON.stringify(suffix)}; after the ARN ECS takes nothing or exactly ":<json-key>:<version-stage>:<version-id>", e.g. ":password::"`;
  }
  if (valueFrom === "") return "is empty";
  if (!valueFrom.startsWith("arn:"))
    return SSM_NAME.test(valueFrom) ? undefined : "is neither an ARN nor an SSM parameter name (letters, digits, _ . - and /); use the secret's full ARN";
  const parts = valueFrom.split(":");
  const [, partition, service, region, account] = parts;
  if (parts.length < 6 || !partition || !region || !account) return "is not a full ARN (arn:<partition>:<service>:<region>:<account>:<resource>)";
  const resource = parts.slice(5).join(":");
  if (service === "secretsmanager") {
    const fields = resource.split(":");
    if (fields[0] !== "secret" || !fields[1] || (fields.length !== 2 && fields.length !== 5))
      return `is not a Secrets Manager secret ARN ECS accepts: use arn:…:secret:<name> or arn:…:secret:<name>:<json-key>:<version-stage>:<version-id> (keep the empty fields, e.g. ":password::")`;
    return undefined;
  }
  if (service === "ssm") return /^parameter\/.+/.test(resource) ? undefined : "is an SSM ARN but not a parameter (arn:…:ssm:<region>:<account>:parameter/<name>)";
  return `is an ARN of ${JSON.stringify(service)}; ECS reads secrets only from Secrets Manager (full secret ARN) or SSM Parameter Store (parameter ARN or name)`;
}

/** An HCL string literal's text: the escapes FargateTask's hclLiterals adds (`\"`, `\\`, `%%{`), undone. */
const unescapeHcl = (s: string): string => s.replace(/\\(["\\])/g, "$1").replace(/%%\{/g, "%{");

/**
 * The `valueFrom` strings of `jsonencode([...])` text that a text search reads reliably: each
 * `"valueFrom" = "<string>"` whose string closes where it seems to (every `${` has its `}`; an
 * interpolation with quotes inside would otherwise cut it short and is skipped).
 */
function encodedValueFroms(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"valueFrom"\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    const raw = m[1]!;
    const opened = raw.split("${").length - 1;
    const closed = (raw.match(/\}/g) ?? []).length;
    if (opened === closed) out.push(unescapeHcl(raw));
  }
  return out;
}

/**
 * Every `valueFrom` of a container's `secrets` (and `logConfiguration.secretOptions`) is a full
 * Secrets Manager secret ARN (optionally `:json-key:version-stage:version-id`, all three fields
 * present), an SSM parameter ARN, or an SSM parameter name.
 *
 * Container definitions as a literal JSON string are parsed and every entry checked; a value that
 * is a reference followed by a suffix is checked when the reference is a Secrets Manager secret's
 * `arn` (or an RDS `master_user_secret[0].secret_arn`), otherwise skipped. Definitions written as
 * `${jsonencode([...])}` (FargateTask's) are searched as text for `"valueFrom" = "..."` and the
 * same checks apply to each string found; entries produced by a variable or expression (no
 * `valueFrom` key in the text) are not seen. Whether a plain name (an SSM parameter in the task's
 * Region) exists, and whether a Secrets Manager secret *name* was meant, cannot be decided here.
 */
export const ecsSecretValueFrom = defineRule({
  id: "ecs-secret-valuefrom",
  severity: "error",
  kind: "runtime",
  summary: "Every secrets[].valueFrom of a container definition is a full Secrets Manager secret ARN (optionally :json-key:version-stage:version-id), an SSM parameter ARN, or an SSM parameter name.",
  why: "RegisterTaskDefinition and plan accept any string; the task then fails at start (ResourceInitializationError: unable to pull secrets) and the service never becomes healthy.",
  source: {
    title: "Amazon ECS API Reference: Secret (valueFrom)",
    url: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html",
    quote: "The supported values are either the full ARN of the AWS Secrets Manager secret or the full ARN of the parameter in the SSM Parameter Store.",
  },
  check: (ctx) => {
    const findings: Finding[] = [];
    for (const task of ctx.all(EcsTaskDefinition)) {
      const text = ctx.resolve(task.containerDefinitionsInput);
      if (typeof text !== "string") continue;
      const entries: { where: string; valueFrom: string }[] = [];
      if (text.trimStart().startsWith("${")) {
        for (const valueFrom of encodedValueFroms(text)) entries.push({ where: "a container", valueFrom });
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          continue; // Not JSON: ECS refuses it at registration; another problem than this rule's.
        }
        for (const container of asArray(parsed)) {
          const c = asRecord(container);
          const name = typeof c.name === "string" ? `container ${JSON.stringify(c.name)}` : "a container";
          const secrets = [...asArray(c.secrets), ...asArray(asRecord(c.logConfiguration).secretOptions)];
          for (const s of secrets) {
            const secret = asRecord(s);
            const where = `${name}, secret ${JSON.stringify(secret.name)}`;
            if (typeof secret.valueFrom === "string") entries.push({ where, valueFrom: secret.valueFrom });
            else findings.push({ resource: task, message: `${where} has no valueFrom; set the secret's full ARN (or the SSM parameter's)` });
          }
        }
      }
      for (const { where, valueFrom } of entries) {
        const problem = valueFromProblem(valueFrom);
        if (problem) findings.push({ resource: task, message: `${where}: valueFrom ${JSON.stringify(valueFrom)} ${problem}` });
      }
    }
    return findings;
  },
});

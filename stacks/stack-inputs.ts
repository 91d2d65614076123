import { Fn, TerraformOutput, TerraformVariable, type TerraformStack } from "cdktf";
import { acceptedOriginValues } from "../lib/compute/load-balancer";
import { RDS_MASTER_PASSWORD } from "../lib/data/postgres-database";
import { ORIGIN_SECRET_PREVIOUS_VARIABLE, ORIGIN_SECRET_VARIABLE } from "./edge-contract";

/** Terraform variable carrying the image tag (the git SHA) that CI deploys: `TF_VAR_image_tag`. */
export const IMAGE_TAG_VARIABLE = "image_tag";

/** Terraform variable for running a migration ahead of the services: `TF_VAR_migration_image_tag`. */
export const MIGRATION_IMAGE_TAG_VARIABLE = "migration_image_tag";

/**
 * Terraform variable carrying the database master password: `TF_VAR_db_master_password`. The
 * deploy and plan scripts set a fresh random value on every run (scripts/lib/master-password.ts);
 * Terraform writes it only when the instance is created or `database.masterPasswordVersion` rises.
 */
export const MASTER_PASSWORD_VARIABLE = "db_master_password";

const DOCKER_TAG = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";

/** Docker's longest tag. */
const MAX_TAG_LENGTH = 128;

/** Prefix every preview image tag starts with: `pr-`. Release tags (prod, staging) never do. */
export const PREVIEW_TAG_PREFIX = "pr-";

/**
 * Which image tags a stack may run:
 * - `release` (prod, staging): a Docker tag not starting with `pr-`, e.g. the git SHA of main;
 * - `preview` (pr-<n>): `pr-<n>-<something>`, e.g. `pr-42-<sha>`, the build of its own pull request
 *   from the preview repositories, so a preview never runs another PR's image or a main build.
 */
export type ImageTagRule = { readonly kind: "release" } | { readonly kind: "preview"; readonly prNumber: number };

/** The tag preview builds push and pr-<n> runs: `pr-<n>-<sha>`. */
export const previewImageTag = (prNumber: number, sha: string): string => `${PREVIEW_TAG_PREFIX}${prNumber}-${sha}`;

/** The Terraform (RE2) pattern a tag of `rule` matches, anchored. */
function tagPattern(rule: ImageTagRule): string {
  if (rule.kind === "release") return DOCKER_TAG;
  const prefix = previewImageTag(rule.prNumber, "");
  return `^${prefix}[A-Za-z0-9_.-]{1,${MAX_TAG_LENGTH - prefix.length}}$`;
}

/** Terraform condition: `ref` is a tag `rule` allows. */
function tagCondition(ref: string, rule: ImageTagRule): string {
  const matches = `can(regex("${tagPattern(rule)}", ${ref}))`;
  return rule.kind === "release" ? `${matches} && !startswith(${ref}, "${PREVIEW_TAG_PREFIX}")` : matches;
}

/** What a tag of `rule` looks like, for messages. */
const tagShape = (rule: ImageTagRule): string =>
  rule.kind === "release" ? `a Docker tag (letters, digits, _ . -) that does not start with "${PREVIEW_TAG_PREFIX}", e.g. the git SHA of main (pr- tags are preview builds)` : `${previewImageTag(rule.prNumber, "<git SHA>")}, the build of pull request ${rule.prNumber} (never another PR's image or a main build)`;

/**
 * The problem with `tag` under `rule`, or undefined: the same check the Terraform variable
 * validation makes, for scripts that want to refuse a tag before Terraform runs.
 */
export function imageTagProblem(tag: string, rule: ImageTagRule): string | undefined {
  const ok = new RegExp(tagPattern(rule)).test(tag) && (rule.kind === "preview" || !tag.startsWith(PREVIEW_TAG_PREFIX));
  return ok ? undefined : `${JSON.stringify(tag)} is not an image tag this stack may run; use ${tagShape(rule)}`;
}

/** The deploy-time inputs of an environment stack, as tokens. */
export interface StackInputs {
  /** Image tag services and cron jobs run (`var.image_tag`). */
  readonly imageTag: string;
  /** Image tag of the migration task: `var.migration_image_tag`, or imageTag when empty. */
  readonly migrationImageTag: string;
  /** Origin-verify values the ALB accepts: the current secret, and the previous one while rotating. */
  readonly originVerifyValues: string[];
}

/**
 * Declares the stack's deploy-time inputs (never literals): `TF_VAR_image_tag` (git SHA; for a
 * preview `pr-<n>-<sha>`, see ImageTagRule), `TF_VAR_migration_image_tag`,
 * `TF_VAR_origin_verify_secret` and, while rotating, `TF_VAR_origin_verify_secret_previous`; each
 * validated by Terraform before anything is planned.
 */
export function declareStackInputs(stack: TerraformStack, tags: ImageTagRule = { kind: "release" }): StackInputs {
  const imageTag = new TerraformVariable(stack, IMAGE_TAG_VARIABLE, {
    type: "string",
    description: tags.kind === "release" ? "Image tag to run (the git SHA CI built); a new value changes only task definitions and services" : `Image tag to run: ${previewImageTag(tags.prNumber, "<git SHA>")}, built from this pull request into the preview repositories`,
    validation: [{ condition: `\${${tagCondition(`var.${IMAGE_TAG_VARIABLE}`, tags)}}`, errorMessage: `${IMAGE_TAG_VARIABLE} must be ${tagShape(tags)}.` }],
  }).stringValue;
  // Migrate first: deploy with the running tag in image_tag and the new one here, and only the
  // migration task definition changes; run it; then deploy the new image_tag (docs/runbook.md).
  const migrationImageTag = new TerraformVariable(stack, MIGRATION_IMAGE_TAG_VARIABLE, {
    type: "string",
    default: "",
    description: "Image tag of the migration task when it must run ahead of the services; empty = image_tag",
    validation: [{ condition: `\${var.${MIGRATION_IMAGE_TAG_VARIABLE} == "" || (${tagCondition(`var.${MIGRATION_IMAGE_TAG_VARIABLE}`, tags)})}`, errorMessage: `${MIGRATION_IMAGE_TAG_VARIABLE} must be empty or ${tagShape(tags)}.` }],
  }).stringValue;
  new TerraformOutput(stack, "services_image_tag", { value: imageTag, description: "Image tag the services run (CI reads it to migrate ahead of a deploy)" });
  const originCurrent = new TerraformVariable(stack, ORIGIN_SECRET_VARIABLE, {
    type: "string",
    sensitive: true,
    description: "Origin-verify secret of this stack's class, which Cloudflare sends to its hosts only: prod's own for prod, staging's for staging and every preview (CI: ORIGIN_VERIFY_SECRET_<CLASS>); never commit it",
    validation: [{ condition: `\${can(regex("^[A-Za-z0-9]{32,128}$", var.${ORIGIN_SECRET_VARIABLE}))}`, errorMessage: "origin_verify_secret must be 32-128 letters and digits (no * or ?, which ALB treats as wildcards)." }],
  });
  const originPrevious = new TerraformVariable(stack, ORIGIN_SECRET_PREVIOUS_VARIABLE, {
    type: "string",
    sensitive: true,
    default: "",
    description: "Previous origin-verify secret of this stack's class, accepted too while rotating (npm run rotate:origin); empty otherwise",
  });
  return {
    imageTag,
    migrationImageTag: Fn.coalesce([migrationImageTag, imageTag]),
    originVerifyValues: acceptedOriginValues(originCurrent.stringValue, originPrevious.stringValue),
  };
}

/** Prefix of the alert webhook variables: `TF_VAR_alert_webhook_<name>`. */
export const ALERT_WEBHOOK_VARIABLE_PREFIX = "alert_webhook_";

/**
 * Declares one sensitive variable per alert webhook (`var.alert_webhook_<name>`, an https URL or
 * empty), and returns their tokens for AlarmTopic `webhooks`.
 */
export function declareAlertWebhooks(stack: TerraformStack, names: readonly string[]): string[] {
  return names.map((name) => {
    const id = `${ALERT_WEBHOOK_VARIABLE_PREFIX}${name}`;
    return new TerraformVariable(stack, id, {
      type: "string",
      sensitive: true,
      default: "",
      description: `HTTPS endpoint alerts are sent to (${name}); empty subscribes nothing. From your secret store, never committed.`,
      validation: [{ condition: `\${var.${id} == "" || can(regex("^https://", var.${id}))}`, errorMessage: `${id} must be empty or an https:// URL.` }],
    }).stringValue;
  });
}

/**
 * Declares `var.db_master_password`: ephemeral (Terraform keeps it out of state and plan files;
 * only write-only attributes may use it) and sensitive, checked against RDS's password rule.
 * Returns its token for PostgresDatabase's `masterPassword.value`.
 */
export function declareMasterPassword(stack: TerraformStack): string {
  const variable = new TerraformVariable(stack, MASTER_PASSWORD_VARIABLE, {
    type: "string",
    sensitive: true,
    description: "Database master password, written only when the instance is created or masterPasswordVersion rises; npm run deploy / plan set a fresh random one",
    validation: [
      {
        condition: `\${can(regex("${RDS_MASTER_PASSWORD.source.replace(/\\/g, "\\\\")}", var.${MASTER_PASSWORD_VARIABLE}))}`,
        errorMessage: `${MASTER_PASSWORD_VARIABLE} must be 8-128 printable ASCII characters without / " @ or spaces (RDS rule); run through npm run deploy, which generates one.`,
      },
    ],
  });
  // cdktf 0.21 has no `ephemeral` argument yet; Terraform 1.10+ reads it from the JSON.
  variable.addOverride("ephemeral", true);
  return variable.stringValue;
}

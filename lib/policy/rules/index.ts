/**
 * The rule pack: every guardrail rule, one per file. Guardrails runs them all on every stack;
 * docs/guardrails.md is generated from this list (npm run docs:guardrails).
 */
import type { GuardrailRule } from "../rule";
import { bucketPublicAccess } from "./bucket-public-access";
import { logRetention } from "./log-retention";
import { openIngress } from "./open-ingress";
import { replicaOfManagedPassword } from "./replica-of-managed-password";
import { statefulProtection } from "./stateful-protection";

export const RULES: readonly GuardrailRule[] = [statefulProtection, openIngress, logRetention, bucketPublicAccess, replicaOfManagedPassword];

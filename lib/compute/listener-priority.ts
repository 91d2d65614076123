import type { EnvironmentConfig } from "../../environments/types";

/** Routed service kinds, in the order their rules must be evaluated within one host. */
export type RoutedKind = "backend" | "web";

/** Rules of a long-lived environment sit at the bottom, after every preview's host-specific rules. */
export const BASE_PRIORITY: Readonly<Record<RoutedKind, number>> = { backend: 49000, web: 49001 };

/** Previews use slots 10 … 10 + 2 × PREVIEW_SLOTS; two open PRs collide only if they differ by a multiple of this. */
export const PREVIEW_SLOTS = 20000;

/**
 * Listener rule priority for a routed service, derived, never chosen by hand:
 * - in prod/staging: backend 49000 (`/backend/*`), web 49001 (everything else);
 * - in preview pr-<n>: 10 + 2 × (n mod 20000) for backend, +1 for web: always before staging's
 *   catch-all rules, backend before web, and distinct for any two PRs less than 20000 apart.
 *   AWS rejects a duplicate priority at apply, so a collision can never silently misroute.
 */
export function listenerPriority(env: EnvironmentConfig, kind: RoutedKind): number {
  if (!env.preview) return BASE_PRIORITY[kind];
  return 10 + 2 * (env.preview.prNumber % PREVIEW_SLOTS) + (kind === "web" ? 1 : 0);
}

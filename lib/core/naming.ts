import { createHash } from "node:crypto";

/**
 * The one naming helper: `names.of("uploads")` gives `shipkit-pr-123-uploads`.
 * Names longer than `max` are truncated and end in a 6-character hash of the full name, so they
 * stay unique and stable. Use `{ max: 32 }` for ALBs and target groups.
 */
export class Names {
  /** The `<app>-<env>` prefix every physical name starts with. */
  readonly prefix: string;

  constructor(readonly appName: string, readonly envName: string) {
    this.prefix = `${appName}-${envName}`.toLowerCase();
  }

  /** `<app>-<env>-<part>`, at most `max` characters (default 255). */
  of(part: string, opts: { readonly max?: number } = {}): string {
    const full = `${this.prefix}-${part}`.toLowerCase();
    const max = opts.max ?? 255;
    if (full.length <= max) return full;
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 6);
    return `${full.slice(0, max - 7).replace(/-+$/, "")}-${hash}`;
  }

  /** CloudWatch log group name: `/<app>/<env>/<part>`. */
  logGroup(part: string): string {
    return `/${this.appName}/${this.envName}/${part}`;
  }
}

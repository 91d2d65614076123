import { Construct } from "constructs";
import { Token } from "cdktf";
import { ZoneSetting } from "@cdktf/provider-cloudflare/lib/zone-setting";
import { ConfigError } from "../core/errors";

/** HSTS as Cloudflare's `security_header` setting expects it (nested `strict_transport_security`). */
export interface HstsValue {
  /**
   * The HSTS header: `max_age` in seconds (0 turns it off), plus its `includeSubDomains`, `preload`
   * and `X-Content-Type-Options: nosniff` switches.
   */
  readonly strict_transport_security: {
    readonly enabled: boolean;
    readonly max_age: number;
    readonly include_subdomains: boolean;
    readonly preload: boolean;
    readonly nosniff: boolean;
  };
}

/** Each managed setting id with the JSON type of its `value`. The synth test checks every row. */
export interface ZoneSettingValues {
  /** SSL/TLS mode between Cloudflare and the origin; EdgeZoneSettings uses `strict` (validates the ALB's certificate). */
  readonly ssl: "off" | "flexible" | "full" | "strict";
  /** Redirect every `http://` request to `https://`; EdgeZoneSettings uses `on`. */
  readonly always_use_https: "on" | "off";
  /** Oldest TLS version visitors may use; EdgeZoneSettings uses `1.2`. */
  readonly min_tls_version: "1.0" | "1.1" | "1.2" | "1.3";
  /** TLS 1.3 for visitors (`zrt` adds 0-RTT); EdgeZoneSettings uses `on`. */
  readonly tls_1_3: "on" | "off" | "zrt";
  /** HTTP/3 (QUIC) for visitors; EdgeZoneSettings uses `on`. */
  readonly http3: "on" | "off";
  /** Rewrite `http://` links in HTML to `https://` where possible; EdgeZoneSettings uses `on`. */
  readonly automatic_https_rewrites: "on" | "off";
  /** HSTS header; EdgeZoneSettings sets `hstsMaxAgeSeconds`, no subdomains, no preload, nosniff on. */
  readonly security_header: HstsValue;
}
export type ZoneSettingId = keyof ZoneSettingValues;

export interface EdgeZoneSettingsProps {
  /** Zone id (token of the `cloudflare_zone_id` variable, or a 32-hex literal). */
  readonly zoneId: string;
  /**
   * HSTS max-age in seconds. Browsers remember it: lowering it later only helps visitors who come
   * back. @default 31536000 (1 year). Must be 0 (off) or at least 300.
   */
  readonly hstsMaxAgeSeconds?: number;
}

/**
 * The zone's security and TLS settings, one `cloudflare_zone_setting` per setting (v5 removed
 * `zone_settings_override`). All are available on every plan.
 *
 * - `ssl` strict: Cloudflare validates the ALB's ACM certificate against the public hostname.
 * - `always_use_https`, `automatic_https_rewrites`, `min_tls_version` 1.2, `tls_1_3`, `http3`.
 * - HSTS via `security_header` WITHOUT `include_subdomains` and without `preload`: both are hard
 *   to undo (browsers cache them for max-age) and must not be switched on while throw-away preview
 *   hostnames exist in the zone. Verify HSTS with a real request after the first apply
 *   (provider issues #6436, #6447).
 *
 * Destroying a zone setting is a no-op in the provider (the setting stays as it is), which is why
 * settings live only in the long-lived edge stack.
 *
 * `value` is typed `{[k: string]: any}` by the generated bindings; every value goes through
 * `Token.asAny` so strings stay strings and objects stay objects (a bare number would synthesize
 * as `{}`: docs/toolchain-notes.md §5).
 *
 * @example new EdgeZoneSettings(this, "zone-settings", { zoneId });
 * Cost: free (all plans). Tested via: test/edge/edge-stack.test.ts
 */
export class EdgeZoneSettings extends Construct {
  /** The values applied, by setting id. */
  readonly values: Readonly<ZoneSettingValues>;
  readonly settings: Readonly<Record<ZoneSettingId, ZoneSetting>>;

  constructor(scope: Construct, id: string, props: EdgeZoneSettingsProps) {
    super(scope, id);
    const maxAge = props.hstsMaxAgeSeconds ?? 31536000;
    if (!Number.isInteger(maxAge) || (maxAge !== 0 && maxAge < 300) || maxAge > 31536000)
      throw new ConfigError(this, "hstsMaxAgeSeconds", `is ${maxAge}; use 0 (HSTS off) or a whole number of seconds from 300 to 31536000`);
    this.values = {
      ssl: "strict",
      always_use_https: "on",
      min_tls_version: "1.2",
      tls_1_3: "on",
      http3: "on",
      automatic_https_rewrites: "on",
      security_header: {
        strict_transport_security: { enabled: maxAge > 0, max_age: maxAge, include_subdomains: false, preload: false, nosniff: true },
      },
    };
    const settings = {} as Record<ZoneSettingId, ZoneSetting>;
    for (const settingId of Object.keys(this.values) as ZoneSettingId[]) {
      settings[settingId] = new ZoneSetting(this, settingId, { zoneId: props.zoneId, settingId, value: Token.asAny(this.values[settingId]) });
    }
    this.settings = settings;
  }
}

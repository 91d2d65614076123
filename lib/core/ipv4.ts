/** Minimal IPv4 CIDR arithmetic, done at synth so plans show literal subnet ranges. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const m = CIDR_RE.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix };
}

export function formatCidr(c: Ipv4Cidr): string {
  const o = [24, 16, 8, 0].map((s) => Math.floor(c.base / 2 ** s) % 256);
  return `${o.join(".")}/${c.prefix}`;
}

/** The `index`-th subnet of `newBits` extra prefix bits inside `parent` (like Terraform's cidrsubnet). */
export function subnet(parent: Ipv4Cidr, newBits: number, index: number): Ipv4Cidr {
  const prefix = parent.prefix + newBits;
  if (prefix > 32 || index < 0 || index >= 2 ** newBits) throw new RangeError(`no subnet ${index} of /${prefix} in ${formatCidr(parent)}`);
  return { base: parent.base + index * 2 ** (32 - prefix), prefix };
}

/** True if `inner` lies entirely inside `outer`. */
export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + 2 ** (32 - inner.prefix) <= outer.base + 2 ** (32 - outer.prefix);
}

/** RFC 1918 private ranges: VPCs must live in one of them. */
export const PRIVATE_RANGES: readonly Ipv4Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseCidr(c)!);

/** Extra prefix bits needed to carve `count` equal subnets. */
export function bitsFor(count: number): number {
  return Math.ceil(Math.log2(Math.max(1, count)));
}

/** Smallest subnet we allow (a /24: 251 usable addresses per AZ and tier). */
export const MAX_SUBNET_PREFIX = 24;

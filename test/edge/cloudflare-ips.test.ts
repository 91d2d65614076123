/** The Cloudflare range constant the ALB lock uses is well-formed and matches what docs/edge.md states. */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6, CLOUDFLARE_IPS_SOURCE_DATE } from "../../lib/edge/cloudflare-ips";

function parse(cidr: string, family: 4 | 6): { bits: bigint; prefix: number } {
  const [addr, len, ...rest] = cidr.split("/");
  expect(rest).toEqual([]);
  expect(net.isIP(addr!)).toBe(family);
  const prefix = Number(len);
  expect(Number.isInteger(prefix) && prefix >= 8 && prefix <= (family === 4 ? 32 : 128)).toBe(true);
  let bits = 0n;
  if (family === 4) for (const o of addr!.split(".")) bits = (bits << 8n) | BigInt(Number(o));
  else {
    const [head, tail = ""] = addr!.split("::");
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    for (const g of groups) bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return { bits, prefix };
}
const width = (family: 4 | 6) => (family === 4 ? 32n : 128n);
const hostBitsZero = (c: { bits: bigint; prefix: number }, family: 4 | 6) => (c.bits & ((1n << (width(family) - BigInt(c.prefix))) - 1n)) === 0n;
const overlaps = (a: { bits: bigint; prefix: number }, b: { bits: bigint; prefix: number }, family: 4 | 6) => {
  const p = BigInt(Math.min(a.prefix, b.prefix));
  return a.bits >> (width(family) - p) === b.bits >> (width(family) - p);
};

describe.each([
  ["IPv4", CLOUDFLARE_IPV4, 4],
  ["IPv6", CLOUDFLARE_IPV6, 6],
] as const)("%s ranges", (_label, list, family) => {
  test("are valid CIDRs of the family with a clean network address", () => {
    expect(list.length).toBeGreaterThan(0);
    for (const c of list) expect(hostBitsZero(parse(c, family), family)).toBe(true);
  });
  test("have no duplicates and no overlaps", () => {
    expect(new Set(list).size).toBe(list.length);
    const parsed = list.map((c) => parse(c, family));
    parsed.forEach((a, i) => parsed.slice(i + 1).forEach((b) => expect(overlaps(a, b, family)).toBe(false)));
  });
});

test("the source date is an ISO date", () => {
  expect(CLOUDFLARE_IPS_SOURCE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
});

test("docs/edge.md lists exactly the ranges the ALB lock uses", () => {
  const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "edge.md"), "utf8");
  const block = /<!-- cloudflare-ips:start -->([\s\S]*?)<!-- cloudflare-ips:end -->/.exec(doc)?.[1] ?? "";
  const v4 = block.match(/\b\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}\b/g) ?? [];
  const v6 = block.match(/\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4})+::?\/\d{1,3}/g) ?? [];
  expect([...v4].sort()).toEqual([...CLOUDFLARE_IPV4].sort());
  expect([...v6].sort()).toEqual([...CLOUDFLARE_IPV6].sort());
});

/**
 * A Terraform provider mirror for CI runners, which have the Terraform registry (this project's
 * machines have a mirror already and no registry): `terraform providers mirror` fetches exactly
 * hashicorp/aws 5.100.0 (the version every offline plan uses) for one platform, and the archive is
 * unpacked into the layout findProviderMirror (scripts/lib/offline.ts) and Terraform's
 * `filesystem_mirror` read: `<dir>/registry.terraform.io/hashicorp/aws/5.100.0/<os>_<arch>/`.
 * (`terraform providers mirror` writes the packed layout, one zip per platform, which
 * findProviderMirror does not recognise.) Used by `npm run ci:provider-mirror` (pr-plan.yml).
 * Tested via: test/scripts/ci-provider-mirror.test.ts
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { AWS_PROVIDER, AWS_PROVIDER_VERSION, OfflineToolingError } from "./offline";
import { UsageError } from "./plan-cli";

/** Environment variable the offline tooling reads the mirror from (scripts/lib/offline.ts). */
export const MIRROR_VARIABLE = "SHIPKIT_PROVIDER_MIRROR";

/** What `npm run ci:provider-mirror -- <folder> [--platform <os>_<arch>]` was asked. */
export interface MirrorArgs {
  /** Folder to fill (created if missing); the mirror root, above `registry.terraform.io/`. */
  readonly dir: string;
  /** Terraform platform, `linux_amd64`. @default the running machine's (currentPlatform) */
  readonly platform: string;
}

/** Terraform's name for a Node platform and architecture: `linux_amd64`, `darwin_arm64`. */
export function currentPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const osName = platform === "win32" ? "windows" : platform;
  const archName = ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[arch] ?? arch;
  return `${osName}_${archName}`;
}

/** Parses the script's arguments; throws UsageError on anything else. */
export function parseMirrorArgs(argv: readonly string[]): MirrorArgs {
  let dir: string | undefined;
  let platform = currentPlatform();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--platform") {
      const v = argv[++i];
      if (!v || !/^[a-z0-9]+_[a-z0-9]+$/.test(v)) throw new UsageError(`--platform needs <os>_<arch>, e.g. linux_amd64 (got ${JSON.stringify(v ?? "")})`);
      platform = v;
    } else if (a.startsWith("-")) throw new UsageError(`unknown flag ${a}`);
    else if (dir === undefined) dir = a;
    else throw new UsageError(`one folder only (got ${JSON.stringify(dir)} and ${JSON.stringify(a)})`);
  }
  if (!dir) throw new UsageError("the folder to fill is missing");
  return { dir: path.resolve(dir), platform };
}

/** The Terraform configuration `terraform providers mirror` reads: exactly the one provider version. */
export function mirrorConfig(): string {
  const [, namespace, type] = AWS_PROVIDER.split("/");
  return `terraform {\n  required_providers {\n    ${type} = {\n      source  = "${namespace}/${type}"\n      version = "= ${AWS_PROVIDER_VERSION}"\n    }\n  }\n}\n`;
}

/** Folder of the unpacked provider for `platform` under the mirror root `dir`. */
export const unpackedDir = (dir: string, platform: string): string => path.join(dir, ...AWS_PROVIDER.split("/"), AWS_PROVIDER_VERSION, platform);

const providerBinaryIn = (folder: string): string | undefined =>
  fs.existsSync(folder) ? fs.readdirSync(folder).find((f) => f.startsWith(`terraform-provider-aws_v${AWS_PROVIDER_VERSION}`)) : undefined;

/**
 * Fills `args.dir` with hashicorp/aws 5.100.0 for `args.platform` and returns the mirror root.
 * Reuses a folder that already holds it (a restored cache). `log` gets Terraform's output.
 */
export function mirrorProvider(args: MirrorArgs, env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): string {
  const target = unpackedDir(args.dir, args.platform);
  if (providerBinaryIn(target)) {
    log(`${AWS_PROVIDER} ${AWS_PROVIDER_VERSION} (${args.platform}) already in ${args.dir}`);
    return args.dir;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-mirror-"));
  try {
    const config = path.join(work, "config");
    const packed = path.join(work, "packed");
    fs.mkdirSync(config);
    fs.writeFileSync(path.join(config, "main.tf"), mirrorConfig());
    log(`terraform providers mirror -platform=${args.platform} (${AWS_PROVIDER} ${AWS_PROVIDER_VERSION})`);
    const r = spawnSync("terraform", [`-chdir=${config}`, "providers", "mirror", `-platform=${args.platform}`, packed], {
      env: { ...env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (r.error) throw new OfflineToolingError(`terraform could not be run (${r.error.message}); install Terraform 1.11+ first (hashicorp/setup-terraform in CI)`);
    for (const line of `${r.stdout}${r.stderr}`.split("\n").filter(Boolean)) log(line);
    if (r.status !== 0) throw new OfflineToolingError(`terraform providers mirror failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
    const zip = path.join(packed, ...AWS_PROVIDER.split("/"), `terraform-provider-aws_${AWS_PROVIDER_VERSION}_${args.platform}.zip`);
    if (!fs.existsSync(zip)) throw new OfflineToolingError(`terraform providers mirror wrote no ${path.relative(packed, zip)} (found: ${listFiles(packed).join(", ") || "nothing"})`);
    // Unpacked next to the target, then renamed: a run cut short never leaves a half-written provider.
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    extractZip(zip, partial);
    if (!providerBinaryIn(partial)) throw new OfflineToolingError(`${path.basename(zip)} holds no terraform-provider-aws_v${AWS_PROVIDER_VERSION}* binary`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(partial, target);
    return args.dir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The line for $GITHUB_ENV (or $GITHUB_OUTPUT, or `export`): `SHIPKIT_PROVIDER_MIRROR=<root>`. */
export const mirrorEnvLine = (dir: string): string => `${MIRROR_VARIABLE}=${dir}\n`;

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * Extracts a zip archive (stored or deflated entries, no zip64: HashiCorp's provider archives are
 * both) into `into`, checking each entry's CRC-32 and refusing names that leave the folder.
 * Provider binaries are made executable whatever the archive's attributes say.
 */
export function extractZip(zipFile: string, into: string): void {
  const buf = fs.readFileSync(zipFile);
  const bad = (why: string) => new OfflineToolingError(`${zipFile}: ${why}`);
  // End of central directory: 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw bad("not a zip archive (no end of central directory)");
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || at === 0xffffffff) throw bad("zip64 archives are not supported");
  fs.mkdirSync(into, { recursive: true });
  const root = path.resolve(into);
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw bad(`central directory entry ${n} is corrupt`);
    const madeBy = buf.readUInt16LE(at + 4);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const external = buf.readUInt32LE(at + 38);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const dest = path.resolve(root, name);
    if (path.isAbsolute(name) || !dest.startsWith(root + path.sep)) throw bad(`entry ${JSON.stringify(name)} would be written outside ${into}`);
    if (name.endsWith("/")) {
      fs.mkdirSync(dest, { recursive: true });
      continue;
    }
    if (buf.readUInt32LE(local) !== 0x04034b50) throw bad(`local header of ${name} is corrupt`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    const data = method === 0 ? raw : method === 8 ? zlib.inflateRawSync(raw) : undefined;
    if (!data) throw bad(`${name} uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== size || zlib.crc32(data) !== crc) throw bad(`${name} is corrupt (size or CRC-32 mismatch)`);
    const unixMode = madeBy >> 8 === 3 ? (external >>> 16) & 0o777 : 0;
    const mode = path.basename(name).startsWith("terraform-provider-") ? 0o755 : unixMode || 0o644;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, data, { mode });
    fs.chmodSync(dest, mode);
  }
}

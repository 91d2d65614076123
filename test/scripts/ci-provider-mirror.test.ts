/**
 * `npm run ci:provider-mirror` (scripts/ci-provider-mirror.ts) with a stand-in `terraform` on PATH
 * (no network): it asks Terraform for exactly hashicorp/aws 5.100.0 for one platform, unpacks the
 * archive into the layout offline plans read, prints one GITHUB_ENV line and nothing else on
 * stdout, and stops with a clear message when Terraform or the archive fails.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { currentPlatform, extractZip, mirrorConfig, parseMirrorArgs } from "../../scripts/lib/ci-provider-mirror";
import { AWS_PROVIDER, AWS_PROVIDER_VERSION, findProviderMirror } from "../../scripts/lib/offline";

const root = path.resolve(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "shipkit-ci-mirror-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A zip archive of `files` (deflated, Unix attributes), as HashiCorp's release archives are. */
function zipOf(files: Readonly<Record<string, string>>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const deflated = zlib.deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a plain file: the extractor must still make the provider executable
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, deflated);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const BINARY = `terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5`;
const PROVIDER_ZIP = zipOf({ [BINARY]: "#!/bin/sh\necho stand-in provider\n", "LICENSE.txt": "MPL-2.0\n" });

/**
 * A stand-in `terraform` on PATH: records its arguments and the configuration it was pointed at,
 * then writes $STANDIN_ZIP where `terraform providers mirror` puts the archive (or exits $STANDIN_EXIT).
 */
function standIn(): string {
  const bin = fs.mkdtempSync(path.join(work, "bin-"));
  fs.writeFileSync(
    path.join(bin, "terraform"),
    [
      "#!/bin/sh",
      'printf "%s\\n" "$@" >> "$STANDIN_LOG"',
      'for a; do case "$a" in -chdir=*) cat "${a#-chdir=}/main.tf" > "$STANDIN_LOG.tf";; esac; target="$a"; done',
      'if [ -n "$STANDIN_EXIT" ]; then echo "Error: Failed to query available provider packages" >&2; exit "$STANDIN_EXIT"; fi',
      'echo "- Mirroring hashicorp/aws..."',
      `mkdir -p "$target/registry.terraform.io/hashicorp/aws" && cp "$STANDIN_ZIP" "$target/registry.terraform.io/hashicorp/aws/terraform-provider-aws_${AWS_PROVIDER_VERSION}_linux_amd64.zip"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return bin;
}

function run(args: string[], extra: Record<string, string> = {}, zip: Buffer = PROVIDER_ZIP) {
  const bin = standIn();
  const log = path.join(bin, "calls.log");
  const zipFile = path.join(bin, "provider.zip");
  fs.writeFileSync(zipFile, zip);
  const r = spawnSync(process.execPath, ["--require", "tsx/cjs", path.join(root, "scripts", "ci-provider-mirror.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, STANDIN_LOG: log, STANDIN_ZIP: zipFile, SHIPKIT_PROVIDER_MIRROR: "", ...extra },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  const config = fs.existsSync(`${log}.tf`) ? fs.readFileSync(`${log}.tf`, "utf8") : undefined;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, config };
}

describe("npm run ci:provider-mirror with a stand-in terraform", () => {
  const dir = path.join(work, "mirror");
  const first = run([dir, "--platform", "linux_amd64"]);

  test("prints exactly one line for $GITHUB_ENV, the mirror root; Terraform's output goes to stderr", () => {
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: expect.stringContaining("Mirroring hashicorp/aws") });
    expect(first.stdout).toBe(`SHIPKIT_PROVIDER_MIRROR=${dir}\n`);
  });
  test("asks terraform providers mirror for one platform, with a configuration that pins exactly hashicorp/aws 5.100.0", () => {
    expect(first.calls.slice(1)).toEqual(["providers", "mirror", "-platform=linux_amd64", expect.stringMatching(/packed$/)]);
    expect(first.calls[0]).toMatch(/^-chdir=/);
    expect(first.config).toBe(mirrorConfig());
    expect(first.config).toMatch(/source\s+= "hashicorp\/aws"/);
    expect(first.config).toMatch(new RegExp(`version\\s+= "= ${AWS_PROVIDER_VERSION.replace(/\./g, "\\.")}"`));
    expect(first.config!.match(/source\s+=/g)).toHaveLength(1);
  });
  test("unpacks the provider into the layout offline plans read (an executable binary), which findProviderMirror accepts", () => {
    const binary = path.join(dir, ...AWS_PROVIDER.split("/"), AWS_PROVIDER_VERSION, "linux_amd64", BINARY);
    expect(fs.readFileSync(binary, "utf8")).toBe("#!/bin/sh\necho stand-in provider\n");
    expect(fs.statSync(binary).mode & 0o111).not.toBe(0);
    expect(findProviderMirror(dir)).toBe(dir);
    expect(fs.readdirSync(path.dirname(path.dirname(binary)))).toEqual(["linux_amd64"]); // no partial folder left
  });
  test("a folder that already holds the provider (a restored cache) is reused without calling terraform", () => {
    const again = run([dir, "--platform", "linux_amd64"]);
    expect({ status: again.status, stdout: again.stdout, calls: again.calls }).toEqual({ status: 0, stdout: `SHIPKIT_PROVIDER_MIRROR=${dir}\n`, calls: [] });
  });
});

describe("failures stop the step and print nothing for $GITHUB_ENV", () => {
  test("terraform fails (no registry): exit 1 with Terraform's message", () => {
    const r = run([path.join(work, "offline"), "--platform", "linux_amd64"], { STANDIN_EXIT: "1" });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toMatch(/terraform providers mirror failed \(exit 1\): Error: Failed to query available provider packages/);
  });
  test("an archive without the provider binary: exit 1, and no provider folder is left behind", () => {
    const dir = path.join(work, "empty-archive");
    const r = run([dir, "--platform", "linux_amd64"], {}, zipOf({ "LICENSE.txt": "MPL-2.0\n" }));
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toContain(`holds no terraform-provider-aws_v${AWS_PROVIDER_VERSION}* binary`);
    expect(fs.existsSync(path.join(dir, ...AWS_PROVIDER.split("/"), AWS_PROVIDER_VERSION, "linux_amd64"))).toBe(false);
  });
  test("terraform wrote no archive for the platform asked (the stand-in writes linux_amd64 only)", () => {
    const r = run([path.join(work, "arm"), "--platform", "linux_arm64"]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: "" });
    expect(r.stderr).toMatch(/wrote no registry\.terraform\.io\/hashicorp\/aws\/terraform-provider-aws_5\.100\.0_linux_arm64\.zip \(found: .*linux_amd64\.zip\)/);
  });
  test("usage errors exit 2", () => {
    const r = run([]);
    expect({ status: r.status, stdout: r.stdout, calls: r.calls }).toEqual({ status: 2, stdout: "", calls: [] });
    expect(r.stderr).toMatch(/usage: npm run --silent ci:provider-mirror -- <folder>.*the folder to fill is missing/);
  });
});

describe("arguments and the archive reader", () => {
  test("platform names as Terraform spells them; default: this machine's", () => {
    expect(currentPlatform("linux", "x64")).toBe("linux_amd64");
    expect(currentPlatform("darwin", "arm64")).toBe("darwin_arm64");
    expect(currentPlatform("win32", "x64")).toBe("windows_amd64");
    expect(parseMirrorArgs(["m"])).toEqual({ dir: path.resolve("m"), platform: currentPlatform() });
    expect(() => parseMirrorArgs(["m", "--platform"])).toThrow(/--platform needs <os>_<arch>/);
    expect(() => parseMirrorArgs(["m", "--force"])).toThrow(/unknown flag --force/);
    expect(() => parseMirrorArgs(["a", "b"])).toThrow(/one folder only/);
  });
  test("refuses an entry that would land outside the folder, and a corrupt entry", () => {
    const dir = fs.mkdtempSync(path.join(work, "zip-"));
    const slip = path.join(dir, "slip.zip");
    fs.writeFileSync(slip, zipOf({ "../escaped": "x" }));
    expect(() => extractZip(slip, path.join(dir, "out"))).toThrow(/would be written outside/);
    expect(fs.existsSync(path.join(dir, "escaped"))).toBe(false);
    const corrupt = zipOf({ file: "hello hello hello" });
    corrupt.writeUInt32LE(1, corrupt.length - 22 - (46 + "file".length) + 16); // the central directory's CRC-32
    const bad = path.join(dir, "bad.zip");
    fs.writeFileSync(bad, corrupt);
    expect(() => extractZip(bad, path.join(dir, "out2"))).toThrow(/file is corrupt \(size or CRC-32 mismatch\)/);
  });
});

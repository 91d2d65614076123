import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The repository stands alone: no tracked file points at a path outside it (a sibling `../shared`
 * folder, an absolute path on some machine) or at a document that is not in it. Facts that lived
 * outside are in docs/toolchain-notes.md.
 */
const ROOT = path.resolve(__dirname, "../..");
const SELF = path.relative(ROOT, __filename).split(path.sep).join("/");
const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
  .split("\0")
  // This file names the patterns it looks for.
  .filter((f) => f && f !== "package-lock.json" && f !== SELF && fs.existsSync(path.join(ROOT, f)));
const basenames = new Set(files.map((f) => path.basename(f)));
const text = (f: string): string | undefined => {
  const s = fs.readFileSync(path.join(ROOT, f), "utf8");
  return s.includes("\0") ? undefined : s;
};
/** Markdown without its fenced code blocks (samples are written relative to the file they would live in). */
const prose = (f: string, s: string): string => (f.endsWith(".md") ? s.replace(/^```[^\n]*\n[\s\S]*?^```/gm, "") : s);

describe("the repository stands alone", () => {
  it("lists the tracked files", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("docs/toolchain-notes.md");
  });

  it("has no relative path that climbs out of the repository", () => {
    const escapes: string[] = [];
    for (const f of files) {
      const s = text(f);
      if (s === undefined) continue;
      for (const m of prose(f, s).matchAll(/(?:^|[\s`"'([])((?:\.\.\/)+[\w@.-][\w@./-]*)/g)) {
        const resolved = path.resolve(ROOT, path.dirname(f), m[1]!);
        if (resolved !== ROOT && !resolved.startsWith(ROOT + path.sep)) escapes.push(`${f}: ${m[1]}`);
      }
      for (const m of s.matchAll(/\.\.\/shared\b[^\s`"')]*/g)) escapes.push(`${f}: ${m[0]}`);
    }
    expect(escapes).toEqual([]);
  });

  it("has no absolute path of a build machine", () => {
    const found = files.filter((f) => /(?<![\w.:/-])\/(?:work|home|root|Users)\/[\w.-]+/.test(prose(f, text(f) ?? "")));
    expect(found).toEqual([]);
  });

  it("names only Markdown documents that are in the repository", () => {
    const missing: string[] = [];
    // Tests name files they write themselves (a plan's out.md); everything else names documents.
    for (const f of files.filter((x) => !x.startsWith("test/"))) {
      const s = text(f);
      if (s === undefined) continue;
      for (const m of s.matchAll(/(?<![\w/.-])([\w.-]+\.md)\b/g)) if (!basenames.has(m[1]!)) missing.push(`${f}: ${m[1]}`);
    }
    // e.g. the former pointers to the toolchain and Cloudflare notes outside the repository
    expect(missing).toEqual([]);
  });
});

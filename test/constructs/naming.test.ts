import { Names } from "../../lib/core/naming";

describe("Names", () => {
  const names = new Names("shipkit", "pr-123");
  test("prefixes app and environment", () => {
    expect(names.of("uploads")).toBe("shipkit-pr-123-uploads");
    expect(names.logGroup("web")).toBe("/shipkit/pr-123/web");
  });
  test("long names are truncated with a stable hash and stay unique", () => {
    const a = names.of("a-very-long-target-group-name-web", { max: 32 });
    const b = names.of("a-very-long-target-group-name-api", { max: 32 });
    expect(a).toHaveLength(32);
    expect(a).toMatch(/^shipkit-pr-123-a-very-lon-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
    expect(names.of("a-very-long-target-group-name-web", { max: 32 })).toBe(a);
  });
});

import { closest, didYouMean, editDistance } from "../../lib/core/did-you-mean";
import { AWS_REGIONS, regionProblem } from "../../lib/core/regions";

describe("did-you-mean", () => {
  test("edit distance counts insertions, deletions and substitutions", () => {
    expect(editDistance("us-est-1", "us-east-1")).toBe(1);
    expect(editDistance("us-wset-2", "us-west-2")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
  test("the closest known values, ties kept, none when nothing is close", () => {
    expect(closest("us-est-1", AWS_REGIONS)).toEqual(["us-east-1", "us-west-1"]);
    expect(closest("eu-centrl-1", AWS_REGIONS)).toEqual(["eu-central-1"]);
    expect(closest("eu-west-4", AWS_REGIONS)).toEqual(["eu-west-1", "eu-west-2", "eu-west-3"]);
    expect(closest("mars-north-9", AWS_REGIONS)).toEqual([]);
    expect(didYouMean("mars-north-9", AWS_REGIONS)).toBe("");
  });
  test("regions: known ones pass, typos name the likely one", () => {
    for (const r of ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"]) expect(regionProblem(r)).toBeUndefined();
    expect(regionProblem("us-easr-1")).toMatch(/Did you mean "us-east-1"\?/);
    expect(regionProblem("useast1")).toMatch(/^is not an AWS Region\./);
  });
});

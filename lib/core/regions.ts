import { didYouMean } from "./did-you-mean";

/**
 * AWS Regions (commercial, GovCloud, China) that the kit can deploy to, from the AWS General
 * Reference "AWS Regions" list. A region not here fails validation with a did-you-mean: a typo
 * (`us-est-1`) is caught at synth, not by the provider at plan time or never (a backup copy region).
 * Add a new Region here when AWS launches one.
 */
export const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "af-south-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ca-central-1", "ca-west-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
  "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
  "us-gov-east-1", "us-gov-west-1",
  "cn-north-1", "cn-northwest-1",
] as const;

/** Why `value` is not a known AWS Region (with a did-you-mean), or undefined when it is one. */
export function regionProblem(value: string): string | undefined {
  if ((AWS_REGIONS as readonly string[]).includes(value)) return undefined;
  return `is not an AWS Region.${didYouMean(value, AWS_REGIONS)} Use a Region code such as us-east-1 (lib/core/regions.ts lists them)`;
}

/** Header Cloudflare sets (late transform) and the ALB requires. Lowercase: ALB header names are case-insensitive. */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

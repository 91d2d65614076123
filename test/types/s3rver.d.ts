// Minimal types for s3rver 3.7 (it ships none): only what test/e2e uses.
declare module "s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  import type { EventEmitter } from "node:events";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets (run() does this before listening). */
    configureBuckets(): Promise<void>;
    /** The Koa request handler, to mount on a server of one's own. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly logger: { close(): void; exceptions: { unhandle(): void } };
  }
  export = S3rver;
}

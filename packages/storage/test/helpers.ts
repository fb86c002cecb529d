/**
 * A real S3 endpoint for the tests: s3rver on 127.0.0.1 with a free port and a throwaway directory
 * (MinIO cannot be installed on these machines).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export const ACCESS_KEY = 'S3RVER';
export const SECRET_KEY = 'S3RVER';

export interface RunningS3 {
  port: number;
  endpoint: string;
  directory: string;
  stop(): Promise<void>;
}

export async function startS3(opts: { port?: number; directory?: string; buckets?: string[] } = {}): Promise<RunningS3> {
  const directory = opts.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'hall-s3rver-')));
  const server = new S3rver({
    port: opts.port ?? 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async stop() {
      const closing = server.close();
      // Keep-alive sockets from the client would otherwise hold close() open.
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}

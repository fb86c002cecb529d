/**
 * An S3-compatible object store for tests and the local demo: s3rver (MinIO cannot be installed
 * on these machines, ARCHITECTURE §6) on a free loopback port with a temporary directory.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { trackDir, untrackDir } from './processes.js';
import { applyDurablePut } from './s3rver-durable-put.js';

export interface S3Server {
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  directory: string;
  stop(): Promise<void>;
  /** Closes the server (resetting every connection) but keeps its objects: restart() brings it back. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface StartS3Options {
  port?: number;
  /** Where objects live; a temporary directory (removed on stop) when omitted. */
  directory?: string;
  buckets?: string[];
}

/** The part of s3rver we use (it ships no types). */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without types; require keeps the type surface local to this file.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;
// s3rver acknowledges a PUT before the file is written; see s3rver-durable-put.ts.
applyDurablePut();

export async function startS3(opts: StartS3Options = {}): Promise<S3Server> {
  const port = opts.port ?? (await freePort());
  const ownDir = opts.directory === undefined;
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 'hall-s3-')));
  if (ownDir) trackDir(directory);
  let server: S3rverInstance | undefined;

  async function run(): Promise<void> {
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      // path-style requests only: vhost buckets would need DNS for <bucket>.127.0.0.1
      vhostBuckets: false,
      configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
    });
    await s.run();
    server = s;
  }

  async function close(): Promise<void> {
    const s = server;
    server = undefined;
    if (!s) return;
    // Clients keep idle keep-alive sockets open, and close() would wait for them forever.
    s.httpServer?.closeAllConnections();
    await s.close();
  }

  try {
    await run();
  } catch (err) {
    if (ownDir) {
      await rm(directory, { recursive: true, force: true });
      untrackDir(directory);
    }
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    directory,
    async stop() {
      await close();
      if (ownDir) {
        await rm(directory, { recursive: true, force: true });
        untrackDir(directory);
      }
    },
    kill: close,
    async restart() {
      await close();
      await run();
    },
  };
}

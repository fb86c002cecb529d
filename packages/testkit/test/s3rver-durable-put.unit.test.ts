import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { applyDurablePut } from '../src/s3rver-durable-put.js';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('s3rver'));
const FilesystemStore = require(require.resolve('s3rver/lib/stores/filesystem.js', { paths: [root] }));
const S3Object = require(require.resolve('s3rver/lib/models/object.js', { paths: [root] }));

describe('s3rver durable put', () => {
  let dir: string;
  beforeEach(() => {
    applyDurablePut();
    dir = mkdtempSync(join(tmpdir(), 'hall-s3rver-'));
    mkdirSync(join(dir, 'b'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has the whole object on disk when putObject resolves (s3rver alone had 10 of 64 MiB)', async () => {
    const store = new FilesystemStore(dir);
    const body = Buffer.alloc(64 * 1024 * 1024, 7);
    const res = await store.putObject(new S3Object('b', 'big', body, { 'content-type': 'application/octet-stream' }));
    expect(res.size).toBe(body.length);
    expect(statSync(store.getResourcePath('b', 'big', 'object')).size).toBe(body.length);
  });

  it('streams a body into place and leaves no partial file behind', async () => {
    const store = new FilesystemStore(dir);
    const parts = [Buffer.from('%PDF-1.7\n'), Buffer.alloc(3_000_000, 1), Buffer.from('%%EOF\n')];
    const res = await store.putObject(new S3Object('b', 'two.pdf', Readable.from(parts), { 'content-type': 'application/pdf' }));
    const size = parts.reduce((n, p) => n + p.length, 0);
    expect(res).toEqual({ size, md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(statSync(store.getResourcePath('b', 'two.pdf', 'object')).size).toBe(size);
    expect(readdirSync(join(dir, 'b')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

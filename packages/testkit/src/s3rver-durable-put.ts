/**
 * s3rver 3.7.1 answers a PUT before the object is on disk: its FilesystemStore.putObject resolves
 * when the body has been read (the hashing Transform's 'finish', or right after writeStream.end()
 * for a buffer), not when the file write has finished. A GET that follows the 200 at once can read
 * a short file: a 64 MiB put was seen with 10 MiB on disk when its promise resolved, and a test read
 * back a truncated PDF on a loaded machine. It also writes in place, so a reader during an overwrite
 * sees a mix of old and new bytes.
 *
 * This replaces putObject with one that writes to a temporary file beside the object, waits for the
 * write stream to close, and renames it into place (atomic on one file system), as a real object
 * store only acknowledges stored objects. Applied once, at module load, by ./s3.ts.
 */
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface StoredObject { bucket: string; key: string; content: Buffer | NodeJS.ReadableStream; metadata: Record<string, string> }
interface FilesystemStoreProto {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  __hallDurablePut?: true;
}

const require = createRequire(import.meta.url);

export function applyDurablePut(): void {
  const FilesystemStore = require(require.resolve('s3rver/lib/stores/filesystem.js', { paths: [dirname(require.resolve('s3rver'))] })) as { prototype: FilesystemStoreProto };
  const proto = FilesystemStore.prototype;
  if (proto.__hallDurablePut) return;
  proto.__hallDurablePut = true;
  proto.putObject = async function putObject(this: FilesystemStoreProto, object: StoredObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const partial = `${objectPath}.${randomBytes(6).toString('hex')}.partial`;
    const md5 = createHash('md5');
    let size = 0;
    let digest = '';
    try {
      if (Buffer.isBuffer(object.content)) {
        const body = object.content;
        md5.update(body);
        size = body.length;
        const out = createWriteStream(partial);
        await new Promise<void>((resolve, reject) => {
          out.once('error', reject);
          out.once('close', () => resolve());
          out.end(body);
        });
      } else {
        const hashing = new Transform({
          transform(chunk: Buffer, _enc, done) {
            md5.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        });
        // pipeline resolves once the file stream has closed, i.e. the bytes are written.
        await pipeline(object.content, hashing, createWriteStream(partial));
      }
      // Metadata first: a new key then appears whole with the rename (s3rver finds an object by its file).
      digest = md5.digest('hex');
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(partial, objectPath);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { size, md5: digest };
  };
}

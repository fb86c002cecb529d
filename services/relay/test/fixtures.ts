/** Attachments and messages for the udp lane tests and the benchmark: real PNG and PDF bytes. */
import { randomBytes, randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { buildMessage, type AttachmentRef } from '@hall/contracts';
import { sha256Hex, type ObjectStore } from '@hall/storage';
import { PNG } from './helpers.js';
import { HEADER_BYTES } from '../src/udp/protocol.js';

/**
 * The same datagram in wire format version 1, as before lane MACs: header and payload with a
 * correct CRC-32 but no key id and no MAC. What a forger without the key could send.
 */
export function versionOne(datagram: Buffer): Buffer {
  const len = datagram.readUInt16BE(30);
  const v1 = Buffer.concat([datagram.subarray(0, HEADER_BYTES + len), Buffer.alloc(4)]);
  v1.writeUInt8(1, 2);
  v1.writeUInt8(0, 5);
  v1.writeUInt32BE(crc32(v1.subarray(0, HEADER_BYTES + len)), HEADER_BYTES + len);
  return v1;
}

/** A valid-looking PNG or PDF of `size` bytes (magic bytes first, then noise), so sniffing accepts it. */
export function material(i: number, size: number): { body: Buffer; contentType: string } {
  if (i % 3 === 2) return { body: Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(Math.max(0, size - 9))]), contentType: 'application/pdf' };
  return { body: Buffer.concat([PNG, randomBytes(Math.max(0, size - PNG.length))]), contentType: 'image/png' };
}

/** `count` distinct materials in the source store (sizes spread so records span 1…n chunks). */
export async function putMaterials(store: ObjectStore, count: number, sizes: (i: number) => number): Promise<{ ref: AttachmentRef; body: Buffer }[]> {
  const out: { ref: AttachmentRef; body: Buffer }[] = new Array(count);
  let i = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (i < count) {
      const k = i++;
      const { body, contentType } = material(k, sizes(k));
      const ref = { key: `materials/${randomUUID()}/${k}`, sha256: sha256Hex(body), size: body.length, contentType };
      await store.put(ref.key, body, { contentType, metadata: { sha256: ref.sha256 } });
      out[k] = { ref, body };
    }
  }));
  return out;
}

export function application(attachments: AttachmentRef[] = [], opts: { zone?: 'internet' | 'extranet' } = {}) {
  const applicationId = randomUUID();
  return buildMessage('application.submitted', {
    zone: opts.zone ?? 'internet', correlationId: applicationId, attachments,
    payload: {
      applicationId, receiptNo: 'SB2026112600000001', itemCode: 'T-ITEM-001', itemVersion: 1,
      applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: { name: '周梦婕' },
      materials: attachments.map((a) => ({ materialCode: 'id-card', fileName: 'id.png', objectKey: a.key, sha256: a.sha256, size: a.size, contentType: a.contentType })),
      submittedAt: new Date().toISOString(),
    },
  });
}

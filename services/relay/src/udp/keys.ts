/**
 * Lane keys: the secret both halves of one `udp` lane hold, with which the sender authenticates
 * every datagram and the receiver checks it. `LANE_MAC_KEYS` lists one or more `keyId:base64key`
 * entries (comma- or space-separated); the sender signs with the FIRST, the receiver accepts ANY
 * listed key. Rotation with an overlap: add the new key to the receiver's list, then put it first
 * on the sender, then remove the old key from the receiver (docs/operations.md).
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '@hall/config';

export interface LaneKey { id: string; key: Buffer }

/** The keys of one half: `keys[0]` signs (sender), any of them verifies (receiver). */
export interface LaneKeyring { keys: LaneKey[]; byId: Map<string, Buffer> }

/** Key ids travel in every datagram: short, printable, unambiguous. */
export const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
/** HMAC-SHA-256 keys shorter than this are refused; the launcher and deploy/secrets.ts generate 32 bytes. */
export const MIN_KEY_BYTES = 16;

export function parseLaneKeys(value: string | undefined, variable = 'LANE_MAC_KEYS'): LaneKeyring {
  const fail = (message: string): never => { throw new ConfigError([{ variable, message }]); };
  const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (!entries.length) fail('is required for the udp transport: one or more keyId:base64key entries, the same on both halves of the lane');
  const keys: LaneKey[] = [];
  for (const e of entries) {
    const at = e.indexOf(':');
    const id = at > 0 ? e.slice(0, at) : '';
    if (!KEY_ID.test(id)) fail(`has an entry without a valid key id (expected keyId:base64key, id of 1–32 characters A–Z a–z 0–9 . _ -)`);
    const b64 = e.slice(at + 1);
    const key = Buffer.from(b64, 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64) || key.length < MIN_KEY_BYTES) fail(`key ${id} must be base64 of at least ${MIN_KEY_BYTES} bytes (32 recommended)`);
    if (keys.some((k) => k.id === id)) fail(`lists key id ${id} twice`);
    keys.push({ id, key });
  }
  return { keys, byId: new Map(keys.map((k) => [k.id, k.key])) };
}

/** A fresh `keyId:base64key` entry (32 random bytes), as the launcher and deploy/secrets.ts make them. */
export function generateLaneKey(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

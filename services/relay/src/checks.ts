/**
 * What a receiver (or the bridge) checks before anything enters the destination zone, shared by
 * both transports so that the same message gets the same verdict and the same reason whichever
 * way it crossed. A failed check throws `Quarantine` with the reason operators will read.
 */
import { Messages, validateMessage, ContractError, isMessageType, type AttachmentRef, type MessageOf, type MessageType } from '@hall/contracts';
import { sha256Hex, sniffContentType, SNIFF_BYTES } from '@hall/storage';
import type { LaneDef } from './lanes.js';

export class Quarantine extends Error {}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const withoutNul = (s: string) => s.replace(/\u0000/g, '\uFFFD');

/**
 * The refused bytes as text for the quarantine row. Postgres `text` cannot hold NUL and would
 * refuse the row (the message would then be terminated unrecorded), and bytes that are not UTF-8
 * would be mangled by decoding: both are kept as `base64:` instead, losslessly.
 */
export function inspectable(raw: Uint8Array): string {
  try {
    const text = strictUtf8.decode(raw);
    if (!text.includes('\u0000')) return text;
  } catch { /* not UTF-8 */ }
  return `base64:${Buffer.from(raw).toString('base64')}`;
}

/** The id a refused message claims, if it is JSON with a string id (for the ledger and the operator). */
export function claimedId(raw: Uint8Array): string | undefined {
  try {
    const id = (JSON.parse(Buffer.from(raw).toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' ? withoutNul(id.slice(0, 64)) : undefined;
  } catch { return undefined; }
}

/** Whitelist, size, zone of origin and contract of an already parsed message. */
export function checkEnvelope(lane: LaneDef, message: { type?: unknown; zone?: unknown }, bytes: number): MessageOf<MessageType> {
  if (!lane.types.includes(message.type as MessageType)) throw new Quarantine(`type ${String(message.type)} is not on the ${lane.name} lane's whitelist`);
  if (bytes > lane.maxMessageBytes) throw new Quarantine(`message exceeds ${lane.maxMessageBytes} bytes`);
  if (message.zone !== lane.source) throw new Quarantine(`message from zone ${String(message.zone)} on a lane leaving ${lane.source}`);
  try {
    return validateMessage(message);
  } catch (err) {
    if (err instanceof ContractError) throw new Quarantine(err.message);
    throw err;
  }
}

/**
 * Raw bytes as they left the source stream, with the subject they were published on. The
 * subject is checked against the type, as `consume` does on the bridge: a user allowed to publish
 * one subject must not smuggle another type through it.
 */
export function checkArriving(lane: LaneDef, subject: string, raw: Buffer): MessageOf<MessageType> {
  let parsed: { type?: unknown; zone?: unknown };
  try {
    parsed = JSON.parse(raw.toString('utf8')) as typeof parsed;
  } catch (err) {
    throw new Quarantine(`contract: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object') throw new Quarantine('contract: not a JSON object');
  // The whitelist speaks first: a type this lane never carries is refused as such, wherever it was published.
  if (!lane.types.includes(parsed.type as MessageType)) throw new Quarantine(`type ${String(parsed.type)} is not on the ${lane.name} lane's whitelist`);
  if (isMessageType(parsed.type) && Messages[parsed.type].subject !== subject) {
    throw new Quarantine(`contract: message ${parsed.type} arrived on ${subject}, expected ${Messages[parsed.type].subject}`);
  }
  return checkEnvelope(lane, parsed, raw.length);
}

/** Size, SHA-256 and sniffed type of an attachment's bytes against its reference and the lane. */
export async function checkAttachment(lane: LaneDef, a: AttachmentRef, body: Buffer, item?: { types: string[]; label: string }): Promise<void> {
  if (body.length > lane.maxAttachmentBytes) throw new Quarantine(`attachment ${a.key} exceeds ${lane.maxAttachmentBytes} bytes`);
  if (body.length !== a.size || sha256Hex(body) !== a.sha256) throw new Quarantine(`attachment ${a.key} does not match its SHA-256`);
  const sniffed = await sniffContentType(body.subarray(0, SNIFF_BYTES));
  if (!sniffed || sniffed.mime !== a.contentType) throw new Quarantine(`attachment ${a.key} is ${sniffed?.mime ?? 'unrecognised'}, declared ${a.contentType}`);
  if (!lane.allowedContentTypes.includes(sniffed.mime)) throw new Quarantine(`attachment ${a.key} is ${sniffed.mime}, a type the ${lane.name} lane does not accept`);
  if (item && !item.types.includes(sniffed.mime)) throw new Quarantine(`attachment ${a.key} is ${sniffed.mime}, not allowed for ${item.label} (allowed: ${item.types.join(', ')})`);
}

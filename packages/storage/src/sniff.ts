/**
 * Content sniffing for uploaded materials: the declared Content-Type of an upload comes from the
 * applicant's browser and cannot be trusted, so the first bytes decide what a file really is.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { ContentTypeMismatchError } from './errors.js';

/** How many leading bytes to pass to `sniffContentType` (file-type's own recommended sample). */
export const SNIFF_BYTES = 4100;

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

const PDF_MAGIC = Buffer.from('%PDF-');

export async function sniffContentType(head: Buffer): Promise<{ mime: string; ext: string } | null> {
  if (head.length === 0) return null;
  const found = await fileTypeFromBuffer(head);
  if (found) return { mime: found.mime, ext: found.ext };
  // The PDF spec lets readers accept the header anywhere in the first 1024 bytes (scanners and some
  // government document systems prepend junk), which file-type does not look for.
  const at = head.subarray(0, 1024).indexOf(PDF_MAGIC);
  if (at >= 0) return { mime: 'application/pdf', ext: 'pdf' };
  return null;
}

/** Types file-type cannot recognise because they have no magic number; accepted when the bytes look like text. */
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'application/json', 'application/xml', 'text/xml']);
const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'application/x-pdf': 'application/pdf' };

function normaliseMime(mime: string): string {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  return ALIASES[base] ?? base;
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // The sample may end in the middle of a multi-byte character; only the rest has to decode.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the declared type against the sniffed one and returns the type to store. Throws
 * ContentTypeMismatchError when they disagree (e.g. text uploaded as image/png), or when the type is
 * not in `allowed`.
 */
export async function verifyContentType(head: Buffer, declared: string, allowed?: readonly string[]): Promise<string> {
  const want = normaliseMime(declared);
  const sniffed = await sniffContentType(head);
  let effective: string;
  if (sniffed) {
    if (sniffed.mime !== want) throw new ContentTypeMismatchError(declared, sniffed.mime);
    effective = sniffed.mime;
  } else if (TEXT_TYPES.has(want) && looksLikeText(head)) {
    effective = want;
  } else {
    throw new ContentTypeMismatchError(declared, looksLikeText(head) ? 'text' : null);
  }
  if (allowed && !allowed.map(normaliseMime).includes(effective)) {
    throw new ContentTypeMismatchError(declared, effective, `content type ${effective} is not accepted here`);
  }
  return effective;
}

/**
 * Content sniffing for uploaded materials: the declared Content-Type of an upload comes from the
 * applicant's browser and cannot be trusted, so the first bytes decide what a file really is.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { ContentTypeMismatchError, ImageTooLargeError } from './errors.js';

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

/**
 * Largest image a material may be: staff browsers decode materials to show them, and a small file
 * can declare a huge canvas (a 40000×40000 PNG compresses to a few hundred kilobytes and decodes
 * to 6.4 GB). A scanned A4 page at 600 dpi is about 5000×7000.
 */
export const MAX_IMAGE_SIDE = 20_000;
export const MAX_IMAGE_PIXELS = 100_000_000;

export interface ImageDimensions { width: number; height: number }

/**
 * Width and height read from an image's header (PNG IHDR, JPEG SOFn, GIF logical screen, WebP
 * VP8/VP8L/VP8X, BMP), without decoding; null when the type is not one of these or the header is
 * not in `bytes`. For JPEG pass the whole file when you have it: the SOF segment comes after the
 * EXIF and other APPn segments, which can be large.
 */
export function imageDimensions(bytes: Buffer, mime: string): ImageDimensions | null {
  const at = (n: number) => n <= bytes.length;
  switch (mime) {
    case 'image/png':
      // Signature (8), IHDR length (4) and type (4), then width and height, big-endian.
      return at(24) && bytes.toString('latin1', 12, 16) === 'IHDR' ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) } : null;
    case 'image/gif':
      return at(10) ? { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) } : null;
    case 'image/bmp':
      return at(26) ? { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) } : null;
    case 'image/webp': {
      if (!at(30)) return null;
      const chunk = bytes.toString('latin1', 12, 16);
      if (chunk === 'VP8X') return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
      if (chunk === 'VP8L') { const b = bytes.readUInt32LE(21); return { width: 1 + (b & 0x3fff), height: 1 + ((b >> 14) & 0x3fff) }; }
      if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
      return null;
    }
    case 'image/jpeg': {
      // Walk the marker segments up to the first SOFn (C0–CF except C4 DHT, C8 JPG, CC DAC).
      let i = 2;
      while (i + 9 <= bytes.length) {
        if (bytes[i] !== 0xff) return null;
        const marker = bytes[i + 1]!;
        if (marker === 0xff) { i++; continue; }
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
        }
        if (marker === 0xda || marker === 0xd9) return null;
        i += 2 + bytes.readUInt16BE(i + 2);
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * Throws ImageTooLargeError when the image declares more than MAX_IMAGE_SIDE pixels on a side or
 * more than MAX_IMAGE_PIXELS in all; anything that is not a readable image header passes (type
 * checks are verifyContentType's business).
 */
export function checkImageDimensions(bytes: Buffer, mime: string, limits: { side?: number; pixels?: number } = {}): ImageDimensions | null {
  const d = imageDimensions(bytes, mime);
  if (!d) return null;
  const side = limits.side ?? MAX_IMAGE_SIDE, pixels = limits.pixels ?? MAX_IMAGE_PIXELS;
  if (d.width > side || d.height > side || d.width * d.height > pixels) throw new ImageTooLargeError(d, side, pixels);
  return d;
}

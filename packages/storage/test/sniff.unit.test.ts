import zlib from 'node:zlib';
import { checkImageDimensions, ContentTypeMismatchError, imageDimensions, ImageTooLargeError, sha256Hex, sniffContentType, verifyContentType } from '../src/index.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const TEXT = Buffer.from('申请人：张三\nThis is just text pretending to be an image.\n');

describe('sniffContentType', () => {
  it('detects PNG and PDF, also a PDF whose header comes after leading junk', async () => {
    await expect(sniffContentType(PNG)).resolves.toEqual({ mime: 'image/png', ext: 'png' });
    await expect(sniffContentType(PDF)).resolves.toEqual({ mime: 'application/pdf', ext: 'pdf' });
    await expect(sniffContentType(Buffer.concat([Buffer.from('\r\n\r\nscanner v2\n'), PDF]))).resolves.toEqual({ mime: 'application/pdf', ext: 'pdf' });
    await expect(sniffContentType(TEXT)).resolves.toBeNull();
    await expect(sniffContentType(Buffer.alloc(0))).resolves.toBeNull();
  });
});

describe('verifyContentType', () => {
  it('accepts matching types and rejects text declared as PNG', async () => {
    await expect(verifyContentType(PNG, 'image/png')).resolves.toBe('image/png');
    await expect(verifyContentType(PDF, 'application/pdf; charset=binary')).resolves.toBe('application/pdf');
    await expect(verifyContentType(TEXT, 'text/plain')).resolves.toBe('text/plain');
    const err = await verifyContentType(TEXT, 'image/png').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentTypeMismatchError);
    expect(err).toMatchObject({ code: 'content_type_mismatch', declared: 'image/png', detected: 'text' });
    await expect(verifyContentType(PDF, 'image/png')).rejects.toMatchObject({ detected: 'application/pdf' });
    await expect(verifyContentType(PNG, 'text/plain')).rejects.toBeInstanceOf(ContentTypeMismatchError);
  });

  it('enforces an allow-list', async () => {
    await expect(verifyContentType(PNG, 'image/png', ['application/pdf'])).rejects.toThrow('image/png is not accepted');
    await expect(verifyContentType(PDF, 'application/pdf', ['application/pdf', 'image/jpeg'])).resolves.toBe('application/pdf');
  });
});

describe('sha256Hex', () => {
  it('hashes like sha256sum', () => {
    expect(sha256Hex(Buffer.from('hello'))).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});

describe('imageDimensions and checkImageDimensions', () => {
  const png = (w: number, h: number) => {
    const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
    const body = Buffer.concat([Buffer.from('IHDR'), ihdr]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d', 'hex'), body, crc]);
  };
  // SOI, an APP1 segment of 5000 bytes (EXIF is often this big), then SOF2 (progressive).
  const jpeg = (w: number, h: number) => {
    const app1 = Buffer.alloc(5002); app1.writeUInt16BE(0xffe1, 0); app1.writeUInt16BE(5000, 2);
    const sof = Buffer.from('ffc2000b08000000000101110000', 'hex'); sof.writeUInt16BE(h, 5); sof.writeUInt16BE(w, 7);
    return Buffer.concat([Buffer.from('ffd8', 'hex'), app1, sof, Buffer.from('ffd9', 'hex')]);
  };
  const gif = (w: number, h: number) => { const b = Buffer.from('GIF89a\0\0\0\0\0\0;', 'latin1'); b.writeUInt16LE(w, 6); b.writeUInt16LE(h, 8); return b; };

  it('should read the canvas from PNG, JPEG (past a large APP1), GIF and WebP headers', () => {
    expect(imageDimensions(PNG, 'image/png')).toEqual({ width: 1, height: 1 });
    expect(imageDimensions(png(40_000, 30), 'image/png')).toEqual({ width: 40_000, height: 30 });
    expect(imageDimensions(jpeg(6000, 4000), 'image/jpeg')).toEqual({ width: 6000, height: 4000 });
    expect(imageDimensions(gif(640, 480), 'image/gif')).toEqual({ width: 640, height: 480 });
    const vp8x = Buffer.alloc(30); vp8x.write('RIFF', 0); vp8x.write('WEBPVP8X', 8); vp8x.writeUIntLE(19_999, 24, 3); vp8x.writeUIntLE(99, 27, 3);
    expect(imageDimensions(vp8x, 'image/webp')).toEqual({ width: 20_000, height: 100 });
    expect(imageDimensions(PDF, 'application/pdf')).toBeNull();
    expect(imageDimensions(Buffer.from('ffd8ffda', 'hex'), 'image/jpeg')).toBeNull();
  });

  it('should refuse a 40000×40000 PNG and a too large JPEG with a Chinese detail, and pass sane scans', () => {
    const err = (() => { try { checkImageDimensions(png(40_000, 40_000), 'image/png'); } catch (e) { return e; } return null; })();
    expect(err).toBeInstanceOf(ImageTooLargeError);
    expect(err).toMatchObject({ code: 'image_too_large', dimensions: { width: 40_000, height: 40_000 } });
    expect((err as ImageTooLargeError).detail).toContain('40000×40000');
    expect(() => checkImageDimensions(png(20_001, 10), 'image/png')).toThrow(ImageTooLargeError); // one side too long
    expect(() => checkImageDimensions(png(12_000, 9000), 'image/png')).toThrow(ImageTooLargeError); // 108 megapixels
    expect(() => checkImageDimensions(jpeg(30_000, 30_000), 'image/jpeg')).toThrow(ImageTooLargeError);
    expect(checkImageDimensions(jpeg(4960, 7016), 'image/jpeg')).toEqual({ width: 4960, height: 7016 }); // A4 at 600 dpi
    expect(checkImageDimensions(PDF, 'application/pdf')).toBeNull();
  });
});

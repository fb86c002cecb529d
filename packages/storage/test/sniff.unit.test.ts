import { ContentTypeMismatchError, sha256Hex, sniffContentType, verifyContentType } from '../src/index.js';

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

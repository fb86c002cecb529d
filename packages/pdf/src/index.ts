/**
 * @hall/pdf: PDF documents with Chinese text, for every service that renders one (certificates,
 * fee receipts). pdfkit does the layout; this package finds a CJK font (HALL_CJK_FONT or
 * CERTIFICATE_CJK_FONT as `file[#family]`, else the usual Debian locations of fonts-noto-cjk,
 * which scripts/setup.sh installs, or fonts-wqy-*), reads and parses it once per process, and renders a
 * document to a Buffer with that font registered as `cjk`.
 */
import fs from 'node:fs';
import PDFDocument from 'pdfkit';

/** [file, font name inside a collection (.ttc) or undefined]. */
const CANDIDATES: [string, string | undefined][] = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', 'NotoSerifCJKsc-Regular'],
  ['/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf', undefined],
  ['/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', 'WenQuanYiZenHei'],
  ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 'WenQuanYiMicroHei'],
  ['/usr/share/fonts/truetype/arphic/uming.ttc', 'AR PL UMing CN'],
];

export class NoCjkFontError extends Error {
  constructor() { super('no CJK font found: install fonts-noto-cjk (scripts/setup.sh) or set HALL_CJK_FONT=file[#family]'); this.name = 'NoCjkFontError'; }
}

/** The font file (and family inside a .ttc) used for Chinese text; throws NoCjkFontError when none is installed. */
export function findCjkFont(explicit = process.env.HALL_CJK_FONT ?? process.env.CERTIFICATE_CJK_FONT): { file: string; family?: string } {
  if (explicit) {
    const [file, family] = explicit.split('#');
    if (file && fs.existsSync(file)) return { file, ...(family ? { family } : {}) };
    throw new NoCjkFontError();
  }
  for (const [file, family] of CANDIDATES) if (fs.existsSync(file)) return { file, ...(family ? { family } : {}) };
  throw new NoCjkFontError();
}

/** The font file is read once per process (a CJK collection is tens of megabytes). */
const fontCache = new Map<string, Buffer>();
function fontBytes(file: string): Buffer {
  let b = fontCache.get(file);
  if (!b) { b = fs.readFileSync(file); fontCache.set(file, b); }
  return b;
}

/**
 * pdfkit parses the font for every document, and a parsed CJK font only gets fast once its tables
 * (cmap, GSUB, CFF) have been decoded and its glyphs cached: that decoding was most of the cost of
 * a certificate. pdfkit also takes an already parsed fontkit font (anything with `layout()`), so
 * the first document's font is kept and handed to the following ones. Sharing it is safe: fontkit
 * works synchronously and keeps no per-document state (the subset and the widths are pdfkit's, per
 * document). pdfkit keeps the parsed font in a private field; if a later version moves it, every
 * document parses the bytes again, as before.
 */
const parsedFonts = new Map<string, unknown>();
type ParsedFontHolder = { _font?: { font?: { layout?: unknown } } };

export type PdfDoc = InstanceType<typeof PDFDocument>;
export type PdfOptions = ConstructorParameters<typeof PDFDocument>[0];

/**
 * Renders a document: `draw` lays it out with the CJK font already selected (as `cjk`); the
 * promise resolves with the finished PDF bytes. Throws NoCjkFontError before drawing when no font exists.
 */
export async function renderPdf(options: PdfOptions, draw: (doc: PdfDoc) => void | Promise<void>): Promise<Buffer> {
  const font = findCjkFont();
  const doc = new PDFDocument(options);
  const chunks: Buffer[] = [];
  doc.on('data', (b: Buffer) => chunks.push(b));
  const done = new Promise<Buffer>((resolve, reject) => { doc.on('end', () => resolve(Buffer.concat(chunks))); doc.on('error', reject); });
  const fontKey = `${font.file}#${font.family ?? ''}`;
  const parsed = parsedFonts.get(fontKey);
  // The typings only list bytes and paths; pdfkit's font factory accepts a parsed font as well.
  doc.registerFont('cjk', (parsed ?? fontBytes(font.file)) as Buffer, font.family);
  doc.font('cjk');
  if (!parsed) {
    const f = (doc as unknown as ParsedFontHolder)._font?.font;
    if (typeof f?.layout === 'function') parsedFonts.set(fontKey, f);
  }
  await draw(doc);
  doc.end();
  return done;
}

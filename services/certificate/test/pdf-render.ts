/** Test helper: renders a PDF's first page with MuPDF (WebAssembly) and decodes a QR code from it with jsQR. */
import * as mupdf from 'mupdf';
import jsQRModule from 'jsqr';

// jsqr is CommonJS: its function is the module itself or its `default`, depending on the loader.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

export interface RenderedPage { width: number; height: number; png: Uint8Array; rgba: Uint8ClampedArray; nonWhiteShare: number; qr: string | null }

export function renderFirstPage(pdf: Uint8Array, scale = 2): RenderedPage {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  const page = doc.loadPage(0);
  const pix = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
  const [width, height, stride, n] = [pix.getWidth(), pix.getHeight(), pix.getStride(), pix.getNumberOfComponents()];
  const src = pix.getPixels();
  const rgba = new Uint8ClampedArray(width * height * 4);
  let nonWhite = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * stride + x * n;
      const d = (y * width + x) * 4;
      rgba[d] = src[s]!; rgba[d + 1] = src[s + 1]!; rgba[d + 2] = src[s + 2]!; rgba[d + 3] = 255;
      if (src[s]! < 200 || src[s + 1]! < 200 || src[s + 2]! < 200) nonWhite++;
    }
  }
  const png = pix.asPNG();
  return { width, height, png, rgba, nonWhiteShare: nonWhite / (width * height), qr: jsQR(rgba, width, height)?.data ?? null };
}

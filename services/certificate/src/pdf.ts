/**
 * The certificate document (证照文件) as a PDF: title, identifier, holder, the type's fields as its
 * template lists them, issuer, validity, signature fingerprint, and a QR code with the portal's
 * verification address. Chinese text needs a CJK font: CERTIFICATE_CJK_FONT, else the first of the
 * usual Debian locations (fonts-noto-cjk, which scripts/setup.sh installs, or fonts-wqy-*).
 *
 * The QR code is drawn as vector squares rather than embedded as a PNG: encoding a PNG (pngjs tries
 * five row filters per row) and decoding it again inside pdfkit cost more than the rest of the
 * document, and a vector code stays sharp at any print size.
 */
import { renderPdf, type PdfDoc } from '@hall/pdf';
import QRCode from 'qrcode';

export { NoCjkFontError, findCjkFont } from '@hall/pdf';

export interface PdfContent {
  id: string;
  typeName: string;
  holderName: string;
  issuerName: string;
  issuerCreditCode: string;
  issuedAt: string;
  validUntil?: string | null;
  /** Label → value, in the order of the type's template. */
  fields: [string, string][];
  algorithm: string;
  keyId: string;
  documentSha256: string;
  verifyUrl: string;
}

const day = (iso: string) => iso.slice(0, 10);

/** Quiet zone around the code, in modules (what the PNG had). */
const QR_MARGIN = 2;

/**
 * Draws the QR code of `text` as one filled path of dark squares (runs of a row merged) on a white
 * square of `width` points, quiet zone included. One path, so a renderer leaves no seams between modules.
 */
function drawQr(doc: PdfDoc, text: string, x: number, y: number, width: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const unit = width / (n + 2 * QR_MARGIN);
  doc.save();
  doc.rect(x, y, width, width).fill('#ffffff');
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!modules.get(row, col)) { col++; continue; }
      const start = col;
      while (col < n && modules.get(row, col)) col++;
      doc.rect(x + (QR_MARGIN + start) * unit, y + (QR_MARGIN + row) * unit, (col - start) * unit, unit);
    }
  }
  doc.fill('#000000');
  doc.restore();
}

export async function renderCertificatePdf(c: PdfContent): Promise<Buffer> {
  return renderPdf({ size: 'A4', margin: 56, info: { Title: `${c.typeName} ${c.id}`, Author: c.issuerName, Subject: '电子证照', Creator: '网上办事大厅 电子证照' } }, (doc) => {
  const width = doc.page.width - 112;
  doc.rect(40, 40, doc.page.width - 80, doc.page.height - 80).lineWidth(2).stroke('#a61b1b');
  doc.fillColor('#a61b1b').fontSize(26).text(c.typeName, 56, 80, { width, align: 'center' });
  doc.fillColor('#222').fontSize(10).text(`证照标识 ${c.id}`, { width, align: 'center' });
  doc.moveDown(2);
  const row = (label: string, value: string) => {
    doc.fontSize(13).fillColor('#555').text(`${label}：`, { continued: true }).fillColor('#111').text(value || '—');
    doc.moveDown(0.4);
  };
  row('持证人', c.holderName);
  for (const [label, value] of c.fields) row(label, value);
  row('发证机关', c.issuerName);
  row('发证机关统一社会信用代码', c.issuerCreditCode);
  row('发证日期', day(c.issuedAt));
  row('有效期至', c.validUntil ? day(c.validUntil) : '长期');
  doc.moveDown(1);
  const qrY = Math.max(doc.y, 470);
  drawQr(doc, c.verifyUrl, 56, qrY, 150);
  doc.fontSize(10).fillColor('#333').text('扫描二维码核验本证照的真实性与有效性', 220, qrY + 10, { width: width - 170 });
  doc.text(`核验地址：${c.verifyUrl}`, { width: width - 170 });
  doc.moveDown(0.5);
  doc.fontSize(8).fillColor('#666').text(`签名算法 ${c.algorithm} · 密钥 ${c.keyId}`, { width: width - 170 });
  doc.text(`文档摘要 SHA-256 ${c.documentSha256}`, { width: width - 170 });
  });
}

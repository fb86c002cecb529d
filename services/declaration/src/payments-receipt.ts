/**
 * The e-receipt (电子票据) of a paid fee as a PDF (@hall/pdf: pdfkit with a CJK font, as for certificates).
 */
import { renderPdf } from '@hall/pdf';
import type { FeeLine } from '@hall/contracts';

export interface ReceiptContent {
  receiptNo: string;
  payer: string;
  payee: string;
  itemName: string;
  caseNumber: string;
  lines: FeeLine[];
  amountFen: number;
  paidAt: Date;
  tradeNo: string;
  refunded: Date | null;
}

const yuan = (fen: number) => `${(fen / 100).toFixed(2)} 元`;
const chinaTime = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

export async function renderReceiptPdf(r: ReceiptContent): Promise<Buffer> {
  return renderPdf({ size: 'A5', layout: 'landscape', margin: 36, info: { Title: `电子票据 ${r.receiptNo}`, Subject: '非税收入电子票据', Creator: '网上办事大厅 网上缴费' } }, (doc) => {
  doc.fontSize(18).text('非税收入电子票据', { align: 'center' });
  doc.moveDown(0.5).fontSize(10);
  doc.text(`票据号码：${r.receiptNo}        开票时间：${chinaTime(r.paidAt)}`);
  doc.text(`交款人：${r.payer}`);
  doc.text(`收款单位：${r.payee}`);
  doc.text(`事项：${r.itemName}（办件编号 ${r.caseNumber}）`);
  doc.moveDown(0.5);
  for (const l of r.lines) doc.text(`${l.name}    ${yuan(l.amountFen)}`);
  doc.moveDown(0.3).fontSize(12).text(`合计：${yuan(r.amountFen)}`);
  doc.fontSize(9).moveDown(0.5).text(`支付交易号：${r.tradeNo}`);
  if (r.refunded) doc.fontSize(12).fillColor('#b00020').text(`已于 ${chinaTime(r.refunded)} 全额退费，本票据作废`);
  });
}

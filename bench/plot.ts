/**
 * Latency over time as a small self-contained SVG (two series, log-free linear axes). Written by
 * hand rather than with a charting library: server-side chart libraries need a canvas or a
 * browser, and this plot is forty lines with no dependency.
 */
export function latencySvg(e2e: { t: number; ms: number }[], api: { t: number; ms: number }[]): string {
  const W = 900, H = 420, L = 60, B = 40, T = 30, R = 20;
  const all = [...e2e, ...api];
  const maxT = Math.max(1, ...all.map((p) => p.t));
  const maxMs = Math.max(1, ...all.map((p) => p.ms));
  const x = (t: number) => L + (t / maxT) * (W - L - R);
  const y = (ms: number) => H - B - (ms / maxMs) * (H - B - T);
  const dots = (pts: { t: number; ms: number }[], color: string) => pts.map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="1.5" fill="${color}" fill-opacity="0.6"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${L - 6}" y="${y(f * maxMs) + 4}" text-anchor="end" font-size="11">${Math.round(f * maxMs)}</text><line x1="${L}" x2="${W - R}" y1="${y(f * maxMs)}" y2="${y(f * maxMs)}" stroke="#eee"/>`).join('');
  const tTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(f * maxT)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${(f * maxT).toFixed(0)}s</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>${ticks}${tTicks}
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>
${dots(e2e, '#b71c1c')}${dots(api, '#0d3b66')}
<text x="${L}" y="18" font-size="13">latency (ms) over time — red: end to end (submitted → case created), blue: submission API</text>
</svg>\n`;
}

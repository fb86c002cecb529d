// Public verification of an e-certificate (no login): by identifier, or by the QR code's content
// (the PDF's QR leads here as /verify.html?id=<identifier>). Answers from the internet zone's
// verification records; the signature is checked afresh by the server on every request.
const form = document.getElementById('verify');
const input = document.getElementById('cert-id');
const result = document.getElementById('result');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const day = (iso) => (iso ? iso.slice(0, 10) : '');

async function verify(value) {
  const v = value.trim();
  const url = v.startsWith('1.2.156.') ? `/v1/public/certificates/${encodeURIComponent(v)}/verify` : `/v1/public/certificates/verify?qr=${encodeURIComponent(v)}`;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const r = await res.json().catch(() => null);
  if (!res.ok) { result.innerHTML = `<p class="alert" role="alert" id="verify-error">${esc(r?.title ?? '核验失败，请稍后再试')}</p>`; return; }
  const good = r.status === 'valid' && r.signatureValid;
  result.innerHTML = `<h2 id="verify-status" data-status="${esc(r.status)}" class="${good ? 'ok' : 'alert'}">${esc(r.statusText)}${r.status !== 'unknown' && !r.signatureValid ? '（签名校验未通过）' : ''}</h2>
    ${r.status === 'unknown' ? '' : `<dl class="guide">
      <dt>证照名称</dt><dd id="verify-type">${esc(r.typeName)}</dd>
      <dt>证照标识</dt><dd><code>${esc(r.id)}</code></dd>
      <dt>持证人</dt><dd>${esc(r.holderName)}</dd>
      <dt>发证机关</dt><dd>${esc(r.issuerName)}（${esc(r.issuerCreditCode)}）</dd>
      <dt>发证日期</dt><dd>${esc(day(r.issuedAt))}</dd>
      <dt>有效期至</dt><dd>${r.validUntil ? esc(day(r.validUntil)) : '长期'}</dd>
      ${r.revokedAt ? `<dt>注销日期</dt><dd>${esc(day(r.revokedAt))}</dd><dt>注销原因</dt><dd id="verify-reason">${esc(r.revocationReason)}</dd>` : ''}
      <dt>数字签名</dt><dd>${r.signatureValid ? '有效' : '无效'}（${esc(r.algorithm)}）</dd>
    </dl>`}`;
}

form.addEventListener('submit', (e) => { e.preventDefault(); verify(input.value); });
const fromQr = new URLSearchParams(location.search).get('id');
if (fromQr) { input.value = fromQr; verify(fromQr); }

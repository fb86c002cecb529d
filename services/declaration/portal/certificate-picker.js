// 免提交 in the apply form: where a material may be replaced by an e-certificate (eCertificateType),
// the applicant picks one of their valid certificates of that type instead of uploading a file.
// The submission then carries { materialCode, certificateId }; the extranet verifies it again.
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

export function certificatePicker(m) {
  return `<div class="certificate-pick"><label for="c-${esc(m.code)}">或选用我的电子证照（免提交）</label>
    <select id="c-${esc(m.code)}" data-cert-code="${esc(m.code)}" data-cert-type="${esc(m.eCertificateType)}"><option value="">不使用电子证照，上传文件</option></select></div>`;
}

/** Fills the pickers with the caller's valid certificates of each material's type; `get` is the portal's API helper. */
export async function wireCertificatePickers(root, get) {
  const selects = [...root.querySelectorAll('select[data-cert-code]')];
  if (!selects.length) return;
  const r = await get('/v1/certificates');
  const items = (r.ok ? r.data?.items : []) ?? [];
  for (const s of selects) {
    const mine = items.filter((c) => c.type === s.dataset.certType && c.status === 'valid');
    s.insertAdjacentHTML('beforeend', mine.map((c) => `<option value="${esc(c.id)}">${esc(c.typeName)} · ${esc(c.issuerName)} · ${esc(c.issuedAt.slice(0, 10))}</option>`).join(''));
    if (!mine.length) s.disabled = true;
  }
}

/** The materials the applicant chose to replace by a certificate. */
export function pickedCertificates(root) {
  return [...root.querySelectorAll('select[data-cert-code]')].filter((s) => s.value).map((s) => ({ materialCode: s.dataset.certCode, certificateId: s.value }));
}

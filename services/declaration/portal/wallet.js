// The holder's wallet (我的证照): their e-certificates from the internet zone's records, each with
// its status, the PDF download and the certificate file for offline verification. A handler acting
// for a legal person passes ?for=<party id>, sent as X-On-Behalf-Of (identity checks the grant).
import { createSession } from '/lib/session.js';
const wallet = document.getElementById('wallet');
// The portal's sign-in (same tab), renewed silently like on the portal's pages.
const signIn = createSession('');
const toLogin = () => { location.href = `/#/login?next=${encodeURIComponent('#/my')}`; };
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
// The portal keeps the party being acted for in sessionStorage (portal.js session.actingFor).
const acting = JSON.parse(sessionStorage.getItem('actingFor') ?? 'null');
const onBehalf = new URLSearchParams(location.search).get('for') ?? acting?.partyId ?? null;
const headers = onBehalf ? { 'x-on-behalf-of': onBehalf } : {};

async function download(id, kind) {
  const res = await signIn.authorizedFetch(kind === 'pdf' ? `/v1/certificates/${encodeURIComponent(id)}/pdf` : `/v1/certificates/${encodeURIComponent(id)}`, { headers }, toLogin);
  if (!res.ok) { wallet.insertAdjacentHTML('afterbegin', '<p class="alert" role="alert">下载失败，请稍后再试</p>'); return; }
  const blob = kind === 'pdf' ? await res.blob() : new Blob([JSON.stringify((await res.json()).file, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  // The PDF under the name the service gives it (出生医学证明-张三.pdf, from Content-Disposition's filename*).
  const named = /filename\*=UTF-8''([^;]+)/i.exec(res.headers.get('content-disposition') ?? '');
  a.download = named ? decodeURIComponent(named[1]) : `${id}.${kind === 'pdf' ? 'pdf' : 'json'}`;
  a.click();
  URL.revokeObjectURL(a.href);
}

async function load() {
  if (!signIn.session.token) { toLogin(); return; }
  const res = await signIn.authorizedFetch('/v1/certificates', { headers }, toLogin);
  if (res.status === 401) return;
  const items = res.ok ? (await res.json()).items : [];
  const whose = onBehalf && acting?.partyId === onBehalf ? `<p class="notice">${esc(acting.partyName)} 的电子证照（您作为经办人查看）</p>` : '';
  wallet.innerHTML = whose + (items.length === 0 ? '<p id="wallet-empty">暂无电子证照</p>' : `<ul class="items" id="wallet-list">${items.map((c) => `<li data-id="${esc(c.id)}">
    <strong>${esc(c.typeName)}</strong> <span class="${c.status === 'valid' ? 'ok' : 'alert'}">${esc(c.statusText)}</span><br>
    <span class="help">${esc(c.issuerName)} · ${esc(c.issuedAt.slice(0, 10))} 发证${c.validUntil ? ` · 有效期至 ${esc(c.validUntil.slice(0, 10))}` : ''}${c.revocationReason ? ` · 注销原因：${esc(c.revocationReason)}` : ''}</span><br>
    <code>${esc(c.id)}</code><br>
    ${c.hasPdf ? `<button type="button" data-download="pdf" data-id="${esc(c.id)}">下载证照文件（PDF）</button>` : ''}
    <button type="button" data-download="json" data-id="${esc(c.id)}">下载签名数据（离线核验）</button>
    <a href="/verify.html?id=${encodeURIComponent(c.id)}">核验</a></li>`).join('')}</ul>`);
}

wallet.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-download]');
  if (b) download(b.dataset.id, b.dataset.download);
});
load();

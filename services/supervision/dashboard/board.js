// The hall display board (大屏): queue by department, today's completions and the latest results,
// refreshed by itself every REFRESH_MS (no login: the board API shows no personal data).
const REFRESH_MS = Number(new URLSearchParams(location.search).get('refresh') ?? 15000);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const time = (s) => new Date(s).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
const dayOf = (d) => d.toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
/** Today's results show the time, older ones the date too. */
const when = (s) => (dayOf(new Date(s)) === dayOf(new Date()) ? time(s) : `${new Date(s).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' })} ${time(s).slice(0, 5)}`);
function tick() { document.getElementById('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }); }
async function refresh() {
  try {
    const res = await fetch('/v1/board', { cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const b = await res.json();
    document.getElementById('completed-today').textContent = b.completedToday;
    document.querySelector('#queue tbody').innerHTML = b.queue.map((q) => `<tr><td>${esc(q.departmentName)}</td><td class="n">${q.waiting}</td><td class="n">${q.inProgress}</td><td class="n">${q.paused}</td></tr>`).join('') || '<tr><td colspan="4">暂无在办件</td></tr>';
    document.querySelector('#recent tbody').innerHTML = b.recent.map((r) => `<tr><td>${esc(r.caseNumber)}</td><td>${esc(r.itemName)}</td><td>${esc(r.departmentName)}</td><td>${esc(r.result)}</td><td>${when(r.closedAt)}</td></tr>`).join('') || '<tr><td colspan="5">暂无</td></tr>';
    document.getElementById('updated').textContent = `数据更新于 ${time(b.at)}`;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? 0) + 1);
  } catch {
    document.getElementById('updated').textContent = '数据暂时无法更新，稍后自动重试';
  }
}
tick(); setInterval(tick, 1000);
refresh(); setInterval(refresh, REFRESH_MS);

// 在线咨询 (online consultation) in the staff console: the questions citizens asked about the
// department's items or cases, and the form to answer them. A section of its own beside the
// console's main view, shown at #/consult; it shares the console's session (sessionStorage).
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const main = document.getElementById('main');
const section = document.createElement('section');
section.id = 'consult';
section.tabIndex = -1;
section.hidden = true;
section.setAttribute('aria-label', '在线咨询');
main.after(section);
// The section sits beside <main>, so it takes main's box from the console's stylesheet here.
const style = document.createElement('style');
style.textContent = `#consult { max-width: 1200px; margin: 16px auto; padding: 16px; background: #fff; border: 1px solid #c8cdd3; border-radius: 6px; }
  #consult ul.consultations { list-style: none; padding: 0; } #consult ul.consultations > li { border-bottom: 1px solid #d6d6d6; padding: 10px 0; }
  #consult textarea { width: 100%; max-width: 40em; font: inherit; } #consult .answer { background: #f1f8e9; padding: 6px 10px; border-radius: 4px; }
  #consult blockquote { margin: 6px 0; padding: 4px 10px; border-left: 3px solid #c8cdd3; }`;
document.head.append(style);
const link = document.createElement('a');
link.href = '#/consult';
link.id = 'consult-link';
link.textContent = '在线咨询';
// Into the console's menu when it has one (shown once logged in), else next to the title.
const menu = document.getElementById('nav');
if (menu) menu.append(link); else { link.style.color = 'inherit'; document.querySelector('header .brand')?.after(link); }

const token = () => sessionStorage.getItem('staff-token');
// console.js's fetch renews an expired token (and sends an ended sign-in to the login page and back).
async function api(method, path, body) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  const res = await window.hallConsole.authorizedFetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { ok: res.ok, status: res.status, data: await res.json().catch(() => null) };
}
const STATES = [['open', '待答复'], ['answered', '已答复'], ['all', '全部']];

async function show(query) {
  if (!token()) { location.hash = '#/login'; return; }
  const state = new URLSearchParams(query).get('state') ?? 'open';
  const r = await api('GET', `/v1/consultations?pageSize=50&state=${encodeURIComponent(state)}`);
  const items = r.data?.items ?? [];
  section.innerHTML = `<h1>在线咨询</h1><nav class="tabs" aria-label="咨询状态">${STATES.map(([s, t]) => `<a href="#/consult?state=${s}" ${s === state ? 'aria-current="page"' : ''}>${t}</a>`).join('')}</nav>
    ${r.ok ? '' : `<p class="alert" role="alert">${esc(r.data?.title ?? '加载失败')}</p>`}
    <ul class="consultations">${items.map((c) => `<li data-id="${esc(c.consultationId)}"><p><strong>${esc(c.askerName)}</strong> 咨询“${esc(c.itemName)}”${c.caseNumber ? `（办件 ${esc(c.caseNumber)}）` : ''}
      <span>${new Date(c.askedAt).toLocaleString('zh-CN')}</span></p><blockquote>${esc(c.question)}</blockquote>
      ${c.answer ? `<p class="answer">答复（${esc(c.answeredByName)}）：${esc(c.answer)}</p>` : `<form class="answer-form"><label for="a-${esc(c.consultationId)}">答复内容</label>
        <textarea id="a-${esc(c.consultationId)}" rows="3" required></textarea><p class="alert" role="alert"></p><button type="submit">发送答复</button></form>`}</li>`).join('') || '<li>暂无咨询</li>'}</ul>
    <p><a href="#/">返回待办</a></p>`;
  for (const form of section.querySelectorAll('form.answer-form')) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const id = form.closest('li').dataset.id;
      const answer = form.querySelector('textarea').value.trim();
      const err = form.querySelector('.alert');
      if (answer.length < 2) { err.textContent = '请填写答复内容'; return; }
      const res = await api('POST', `/v1/consultations/${encodeURIComponent(id)}/answer`, { answer });
      if (!res.ok) { err.textContent = res.data?.title ?? '答复失败'; return; }
      // The answered question leaves the open list: show it where it now is.
      if (state === 'answered') show(query); else location.hash = '#/consult?state=answered';
    });
  }
  section.focus();
}

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const active = path === '/consult';
  section.hidden = !active;
  main.hidden = active;
  if (active) show(query);
}
window.addEventListener('hashchange', route);
route();

// The staff console (审批工作台): task inbox of the clerk's department, case detail and actions, over
// approval's API (same origin) and the staff identity realm (under /auth/ behind the extranet ingress).
const main = document.getElementById('main');
const who = document.getElementById('who');
const logoutButton = document.getElementById('logout');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const session = {
  get token() { return sessionStorage.getItem('staff-token'); },
  get principal() { return JSON.parse(sessionStorage.getItem('staff-principal') ?? 'null'); },
  set(t, p) { sessionStorage.setItem('staff-token', t); sessionStorage.setItem('staff-principal', JSON.stringify(p)); },
  clear() { sessionStorage.removeItem('staff-token'); sessionStorage.removeItem('staff-principal'); },
};
const POSITIONS = { acceptance: '受理岗', review: '审查岗', approval: '审批岗' };

async function api(method, path, body) {
  const headers = {};
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (res.status === 401) { session.clear(); location.hash = '#/login'; }
  return { ok: res.ok, status: res.status, data };
}
function render(html) { main.innerHTML = html; main.focus(); }
function showWho() {
  const p = session.principal;
  who.textContent = p ? `${p.name}（${(p.positions ?? []).map((x) => POSITIONS[x] ?? x).join('、')}）` : '';
  logoutButton.hidden = !p;
}
logoutButton.addEventListener('click', () => { session.clear(); showWho(); location.hash = '#/login'; });

function login() {
  render(`<h1>工作人员登录</h1><form id="login"><label for="username">用户名</label><input id="username" autocomplete="username" required>
    <label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>
    <p id="login-error" class="alert" role="alert"></p><button type="submit">登录</button></form>`);
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/auth/v1/auth/login', { username: document.getElementById('username').value, password: document.getElementById('password').value });
    if (!r.ok) { document.getElementById('login-error').textContent = r.data?.title ?? '登录失败'; return; }
    session.set(r.data.accessToken, r.data.principal);
    showWho();
    location.hash = '#/';
  });
}

const TABS = [['received', '待受理'], ['accepted', '待审批'], ['completed', '已办结'], ['', '全部']];
async function inbox(query) {
  if (!session.token) return login();
  const status = new URLSearchParams(query).get('status') ?? 'received';
  const r = await api('GET', `/v1/cases?pageSize=50${status ? `&status=${status}` : ''}`);
  const rows = r.data?.items ?? [];
  render(`<h1>我的待办</h1><nav class="tabs" aria-label="办件状态">${TABS.map(([s, t]) => `<a href="#/?status=${s}" ${s === status ? 'aria-current="page"' : ''}>${t}</a>`).join('')}</nav>
    <table><thead><tr><th>办件编号</th><th>事项</th><th>申请人</th><th>状态</th><th>收件时间</th></tr></thead><tbody>
    ${rows.map((c) => `<tr><td><a href="#/case/${c.caseId}">${esc(c.caseNumber)}</a></td><td>${esc(c.itemName)}</td><td>${esc(c.applicantName)}</td><td>${esc(c.statusText)}</td><td>${new Date(c.receivedAt).toLocaleString('zh-CN')}</td></tr>`).join('') || '<tr><td colspan="5">暂无办件</td></tr>'}
    </tbody></table><p>共 ${r.data?.total ?? 0} 件</p>`);
}

const ACTIONS = {
  received: [['accept', '受理', false], ['reject', '不予受理', true]],
  accepted: [['approve', '审批通过', false], ['deny', '不予许可', true]],
};
async function caseDetail(id) {
  if (!session.token) return login();
  const r = await api('GET', `/v1/cases/${encodeURIComponent(id)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '办件不存在')}</p>`);
  const c = r.data;
  const actions = ACTIONS[c.status] ?? [];
  render(`<h1>${esc(c.caseNumber)} · ${esc(c.itemName)}</h1><p>状态：<strong id="case-status">${esc(c.statusText)}</strong></p>
    <h2>申请表</h2><dl>${Object.entries(c.form).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
    <h2>申请材料</h2><ul>${c.materials.map((m) => `<li>${esc(m.fileName)} <span>(${esc(m.contentType)}, ${m.size} 字节, SHA-256 ${esc(m.sha256.slice(0, 12))}…)</span></li>`).join('') || '<li>无</li>'}</ul>
    <h2>办理记录</h2><ol>${c.history.map((h) => `<li>${new Date(h.at).toLocaleString('zh-CN')} ${esc(h.actorName)}：${esc(h.action)} → ${esc(h.to)}${h.reason ? `（${esc(h.reason)}）` : ''}</li>`).join('')}</ol>
    ${actions.length ? `<form id="act"><label for="reason">意见或理由</label><textarea id="reason" rows="3"></textarea>
      <p id="act-error" class="alert" role="alert"></p>${actions.map(([a, t, needsReason]) => `<button type="button" data-action="${a}" data-reason="${needsReason}" class="${needsReason ? 'danger' : ''}">${t}</button>`).join('')}</form>` : ''}
    <p><a href="#/">返回待办</a></p>`);
  for (const b of main.querySelectorAll('button[data-action]')) {
    b.addEventListener('click', async () => {
      const reason = document.getElementById('reason').value.trim();
      const needsReason = b.dataset.reason === 'true';
      if (needsReason && reason.length < 2) { document.getElementById('act-error').textContent = '请填写理由'; return; }
      if (!confirm(`确认“${b.textContent}”？`)) return;
      const body = needsReason ? { reason } : reason ? { opinion: reason } : {};
      const res = await api('POST', `/v1/cases/${encodeURIComponent(id)}/${b.dataset.action}`, body);
      if (!res.ok) { document.getElementById('act-error').textContent = `${res.data?.title ?? '操作失败'}${res.data?.detail ? `：${res.data.detail}` : ''}`; return; }
      caseDetail(id);
    });
  }
}

function route() {
  showWho();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean);
  if (parts[0] === 'login') return login();
  if (parts[0] === 'case') return caseDetail(decodeURIComponent(parts[1]));
  return inbox(query);
}
window.addEventListener('hashchange', route);
route();

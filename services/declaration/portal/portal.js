// The public portal (门户): a small single-page app over declaration's API (same origin) and the
// public identity realm (under /auth/ behind the zone's ingress). No build step: plain modules.
const main = document.getElementById('main');
const who = document.getElementById('who');
const logoutButton = document.getElementById('logout');

const session = {
  get token() { return sessionStorage.getItem('token'); },
  get name() { return sessionStorage.getItem('name'); },
  set(token, name) { sessionStorage.setItem('token', token); sessionStorage.setItem('name', name); },
  clear() { sessionStorage.removeItem('token'); sessionStorage.removeItem('name'); },
};

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

async function api(method, path, body, headers = {}) {
  const h = { ...headers };
  if (session.token) h.authorization = `Bearer ${session.token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path.startsWith('/v1/applications')) { session.clear(); location.hash = `#/login?next=${encodeURIComponent(location.hash)}`; }
  return { ok: res.ok, status: res.status, data };
}

function render(html) { main.innerHTML = html; main.focus(); }
function showWho() {
  who.textContent = session.name ? `您好，${session.name}` : '';
  logoutButton.hidden = !session.token;
}
logoutButton.addEventListener('click', () => { session.clear(); showWho(); location.hash = '#/'; });

async function home(query) {
  const q = new URLSearchParams(query).get('q') ?? '';
  const r = await api('GET', `/v1/items?pageSize=50${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  const items = r.data?.items ?? [];
  render(`<h1>办事指南</h1>
    <form id="search" role="search"><label for="q">搜索事项</label><input id="q" name="q" value="${esc(q)}" placeholder="输入事项名称或关键字，如：生育"><button type="submit">搜索</button></form>
    <p class="help">共 ${r.data?.total ?? 0} 项</p>
    <ul class="items">${items.map((i) => `<li><a href="#/item/${encodeURIComponent(i.code)}">${esc(i.name)}</a><br><span class="help">${esc(i.department)} · 事项编码 ${esc(i.code)}</span></li>`).join('') || '<li>没有找到相关事项</li>'}</ul>`);
  document.getElementById('search').addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/?q=${encodeURIComponent(document.getElementById('q').value.trim())}`; });
}

const GUIDE_LABELS = { legalBasis: '办事依据', conditions: '办理条件', procedure: '办理程序', place: '受理地点', contact: '联系方式', hours: '受理时间', timeLimit: '办理期限', fees: '收费标准', visits: '到现场次数', kind: '办件类型' };

async function item(code) {
  const r = await api('GET', `/v1/items/${encodeURIComponent(code)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '事项不存在')}</p>`);
  const it = r.data;
  render(`<h1>${esc(it.name)}</h1>
    <p>${esc(it.departmentName)} · ${esc(it.hall)} · ${esc(it.powerType)} · 承诺 ${it.promisedDays} 个工作日</p>
    <dl class="guide">${Object.entries(it.guide).map(([k, v]) => `<dt>${esc(GUIDE_LABELS[k] ?? k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
    <h2>所需材料</h2><ul>${it.materials.map((m) => `<li>${esc(m.name)}${m.required ? '（必需）' : '（可选）'} <span class="help">${esc(m.allowedTypes.join('、'))}，不超过 ${Math.round(m.maxSizeBytes / 1048576)} MB</span></li>`).join('')}</ul>
    <a href="#/apply/${encodeURIComponent(it.code)}"><button type="button">在线申报</button></a>`);
}

async function login(query) {
  const next = new URLSearchParams(query).get('next') ?? '#/my';
  render(`<h1>用户登录</h1><form id="login"><label for="username">用户名</label><input id="username" autocomplete="username" required>
    <label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>
    <div id="login-error" class="field-error" role="alert"></div><button type="submit">登录</button></form>`);
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/auth/v1/auth/login', { username: document.getElementById('username').value, password: document.getElementById('password').value });
    if (!r.ok) { document.getElementById('login-error').textContent = r.data?.title ?? '登录失败'; return; }
    session.set(r.data.accessToken, r.data.principal.name);
    showWho();
    location.hash = next;
  });
}

function inputFor(name, s, required) {
  const type = s.format === 'date' ? 'date' : s.type === 'integer' || s.type === 'number' ? 'number' : 'text';
  return `<label for="f-${name}">${esc(s.title ?? name)}${required ? ' *' : ''}</label>
    <input id="f-${name}" name="${name}" type="${type}" ${required ? 'required' : ''} aria-describedby="e-${name}">
    <div id="e-${name}" class="field-error" aria-live="polite"></div>`;
}

function uploadWithProgress(url, file, bar) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    xhr.onload = () => { let data = null; try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ } resolve({ ok: xhr.status < 300, data }); };
    xhr.onerror = () => resolve({ ok: false, data: { title: '网络错误，请重试' } });
    xhr.send(file);
  });
}

async function apply(code) {
  if (!session.token) { location.hash = `#/login?next=${encodeURIComponent(`#/apply/${code}`)}`; return; }
  const r = await api('GET', `/v1/items/${encodeURIComponent(code)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '事项不存在')}</p>`);
  const it = r.data;
  const schema = it.formSchema;
  const order = schema['x-ui']?.order ?? Object.keys(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const key = crypto.randomUUID();
  render(`<h1>申报：${esc(it.name)}</h1><form id="apply" novalidate>
    <h2>申请表</h2>${order.map((n) => inputFor(n, schema.properties[n], required.has(n))).join('')}
    <h2>申请材料</h2>${it.materials.map((m) => `<label for="m-${esc(m.code)}">${esc(m.name)}${m.required ? ' *' : ''}</label>
      <input id="m-${esc(m.code)}" type="file" data-code="${esc(m.code)}" accept="${esc(m.allowedTypes.join(','))}" aria-describedby="me-${esc(m.code)}">
      <progress id="p-${esc(m.code)}" value="0" max="1" aria-label="${esc(m.name)}上传进度"></progress><div id="me-${esc(m.code)}" class="field-error" aria-live="polite"></div>`).join('')}
    <div id="form-error" class="alert" role="alert" hidden></div><button type="submit">提交申报</button></form>`);
  const uploaded = {};
  for (const input of main.querySelectorAll('input[type=file]')) {
    input.addEventListener('change', async () => {
      const code = input.dataset.code;
      const file = input.files[0];
      const msg = document.getElementById(`me-${code}`);
      if (!file) return;
      msg.textContent = '上传中…';
      const res = await uploadWithProgress(`/v1/materials?itemCode=${encodeURIComponent(it.code)}&materialCode=${encodeURIComponent(code)}&fileName=${encodeURIComponent(file.name)}`, file, document.getElementById(`p-${code}`));
      if (res.ok) { uploaded[code] = res.data.materialId; msg.textContent = `已上传：${file.name}`; msg.className = 'help'; }
      else { delete uploaded[code]; msg.textContent = res.data?.title ?? '上传失败'; msg.className = 'field-error'; }
    });
  }
  document.getElementById('apply').addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of main.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const el of main.querySelectorAll('.field-error')) if (!el.id.startsWith('me-')) el.textContent = '';
    const form = {};
    for (const n of order) {
      const v = document.getElementById(`f-${n}`).value.trim();
      if (v === '') continue;
      const t = schema.properties[n].type;
      form[n] = t === 'integer' || t === 'number' ? Number(v) : v;
    }
    const materials = Object.entries(uploaded).map(([materialCode, materialId]) => ({ materialCode, materialId }));
    const res = await api('POST', '/v1/applications', { itemCode: it.code, form, materials }, { 'idempotency-key': key });
    const box = document.getElementById('form-error');
    if (res.ok) { location.hash = `#/receipt/${res.data.applicationId}?no=${encodeURIComponent(res.data.receiptNo)}`; return; }
    box.hidden = false;
    box.textContent = res.data?.title ?? '提交失败';
    for (const fe of res.data?.errors ?? []) {
      const name = fe.field.replace(/^\/(body\/form\/)?/, '').split('/')[0];
      const el = document.getElementById(`f-${name}`);
      if (el) { el.setAttribute('aria-invalid', 'true'); document.getElementById(`e-${name}`).textContent = fe.message; }
    }
    for (const m of res.data?.missing ?? []) document.getElementById(`me-${m.code}`).textContent = `请上传${m.name}`;
    const first = main.querySelector('[aria-invalid="true"]'); if (first) first.focus();
  });
}

function receipt(id, query) {
  const no = new URLSearchParams(query).get('no');
  render(`<h1>申报成功</h1><p class="notice">您的申报已提交，受理回执编号：<strong id="receipt-no">${esc(no)}</strong></p>
    <p>办理进度将通过短信通知，您也可以在“我的办件”中随时查看。</p><a href="#/app/${esc(id)}">查看办理进度</a>`);
}

async function my() {
  if (!session.token) { location.hash = '#/login?next=%23%2Fmy'; return; }
  const r = await api('GET', '/v1/applications?pageSize=50');
  const items = r.data?.items ?? [];
  render(`<h1>我的办件</h1><ul class="items">${items.map((a) => `<li><a href="#/app/${a.applicationId}">${esc(a.receiptNo)}</a> <span class="status ${esc(a.status)}">${esc(a.statusText)}</span><br>
    <span class="help">事项 ${esc(a.itemCode)}${a.caseNumber ? ` · 办件编号 ${esc(a.caseNumber)}` : ''}${a.certificateId ? ` · 证照 ${esc(a.certificateId)}` : ''}</span></li>`).join('') || '<li>暂无办件</li>'}</ul>`);
}

async function application(id) {
  const r = await api('GET', `/v1/applications/${encodeURIComponent(id)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '办件不存在')}</p>`);
  const a = r.data;
  render(`<h1>办件进度</h1><p>回执编号 ${esc(a.receiptNo)} · 当前状态 <span id="app-status" class="status ${esc(a.status)}">${esc(a.statusText)}</span></p>
    ${a.caseNumber ? `<p>办件编号 ${esc(a.caseNumber)}</p>` : ''}${a.certificateId ? `<p>电子证照 <code id="certificate-id">${esc(a.certificateId)}</code></p>` : ''}
    <ol class="timeline">${a.timeline.map((t) => `<li><strong>${esc(t.statusText)}</strong> <span class="help">${new Date(t.at).toLocaleString('zh-CN')}</span>${t.reason ? `<br>${esc(t.reason)}` : ''}</li>`).join('')}</ol>`);
}

async function route() {
  showWho();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return home(query);
  if (parts[0] === 'item') return item(parts[1]);
  if (parts[0] === 'login') return login(query);
  if (parts[0] === 'apply') return apply(parts[1]);
  if (parts[0] === 'receipt') return receipt(parts[1], query);
  if (parts[0] === 'my') return my();
  if (parts[0] === 'app') return application(parts[1]);
  render('<p class="alert">页面不存在</p>');
}
window.addEventListener('hashchange', route);
route();

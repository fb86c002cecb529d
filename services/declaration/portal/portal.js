// The public portal (门户): a small single-page app over declaration's API (same origin) and the
// public identity realm (under /auth/ behind the zone's ingress). No build step: plain modules.
// Other portal modules (e.g. the certificate wallet, openness pages) add routes through
// window.hallPortal.registerRoute(name, handler) and reuse api/render/esc from it.
import { certificatePicker, wireCertificatePickers, pickedCertificates } from './certificate-picker.js';
import { createSession, createNavigation } from '/lib/session.js';
const main = document.getElementById('main');
const who = document.getElementById('who');
const logoutButton = document.getElementById('logout');

// The sign-in with silent renewal (packages/http/ui/session.js), plus the portal's own: who acts for whom.
const signIn = createSession('');
const session = Object.defineProperties(signIn.session, Object.getOwnPropertyDescriptors({
  get sub() { return this.principal?.sub ?? null; },
  get name() { return this.principal?.name ?? null; },
  get roles() { return this.principal?.roles ?? []; },
  /** The party an agent (代办员) or handler (经办人) acts for: { partyId, partyName, relation }, or null. */
  get actingFor() { return JSON.parse(sessionStorage.getItem('actingFor') ?? 'null'); },
  setActingFor(party) { if (party) sessionStorage.setItem('actingFor', JSON.stringify(party)); else sessionStorage.removeItem('actingFor'); },
}));
const renew = signIn.renew;
const clearSession = () => { signIn.session.clear(); session.setActingFor(null); };

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const when = (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '');
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('zh-CN') : '');

const actingHeader = () => (session.actingFor ? { 'x-on-behalf-of': session.actingFor.partyId } : {});

/** Sends the citizen to the login page and back to where they were (a form there restores its draft). */
function sessionEnded() {
  clearSession();
  if (!location.hash.startsWith('#/login')) location.hash = `#/login?next=${encodeURIComponent(location.hash || '#/')}`;
}

// A page whose answer comes after the citizen went elsewhere is not drawn (session.js, createNavigation).
const navigation = createNavigation();
async function api(method, path, body, headers = {}) {
  const at = navigation.current;
  const res = await signIn.authorizedFetch(path, {
    method, headers: { ...actingHeader(), ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
  }, sessionEnded);
  // The sign-in ended: the login page takes over, and the view that asked stops here (never drawn over it).
  if (res.status === 401 && !path.startsWith('/auth/v1/auth/')) return new Promise(() => {});
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  return navigation.keep(at, { ok: res.ok, status: res.status, data });
}

function render(html) { main.innerHTML = html; main.focus(); }
const problem = (r, fallback) => `${r.data?.title ?? fallback}${r.data?.detail ? `：${r.data.detail}` : ''}`;
const needLogin = (next) => { if (session.token) return false; location.hash = `#/login?next=${encodeURIComponent(next)}`; return true; };

async function showWho() {
  const acting = session.actingFor;
  who.textContent = session.name ? `您好，${session.name}${acting ? `（代办：${acting.partyName}）` : ''}` : '';
  logoutButton.hidden = !session.token;
  const badge = document.getElementById('unread');
  if (badge) {
    badge.textContent = '';
    if (session.token) {
      const r = await api('GET', '/v1/messages?pageSize=1');
      if (r.ok && r.data.unread > 0) badge.textContent = `（${r.data.unread}）`;
    }
  }
}
logoutButton.addEventListener('click', () => {
  // Ends the sign-in at identity too, and forgets unsent forms.
  localDrafts.forget();
  signIn.logout(); session.setActingFor(null); showWho(); location.hash = '#/';
});

const itemList = (items) => `<ul class="items">${items.map((i) => `<li><a href="#/item/${encodeURIComponent(i.code)}">${esc(i.name)}</a><br>
  <span class="help">${esc(i.departmentName ?? i.department)} · ${esc(i.powerType)} · ${i.promisedDays === 0 ? '即办件' : `承诺 ${i.promisedDays} 个工作日`} · ${i.visits ? `到现场 ${i.visits} 次` : '无需到现场'}</span></li>`).join('') || '<li>没有找到相关事项</li>'}</ul>`;

// —— home: search, popular items ——
async function home(query) {
  const params = new URLSearchParams(query);
  const q = params.get('q') ?? '';
  const hall = params.get('hall') ?? '';
  const department = params.get('department') ?? '';
  const filtered = q || hall || department;
  const search = new URLSearchParams({ pageSize: '50', ...(q ? { q } : {}), ...(hall ? { hall } : {}), ...(department ? { department } : {}) });
  const [r, popular] = await Promise.all([filtered ? api('GET', `/v1/items?${search}`) : null, filtered ? null : api('GET', '/v1/popular-items?limit=8')]);
  render(`<h1>办事指南</h1>
    <form id="search" role="search"><label for="q">搜索事项</label><div class="row"><input id="q" name="q" value="${esc(q)}" placeholder="输入事项名称或关键字，如：生育"><button type="submit">搜索</button></div></form>
    <p><a href="#/halls">按办事大厅和部门浏览</a></p>
    ${filtered ? `<h2>${q ? `“${esc(q)}”的搜索结果` : '事项列表'}</h2><p class="help">共 ${r.data?.total ?? 0} 项${hall ? ` · ${esc(hall)}` : ''}${department ? ` · 部门 ${esc(department)}` : ''}</p>${itemList(r.data?.items ?? [])}`
      : `<h2>热门事项</h2>${itemList(popular.data?.items ?? [])}`}`);
  document.getElementById('search').addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/?q=${encodeURIComponent(document.getElementById('q').value.trim())}`; });
}

// —— halls and departments ——
async function halls() {
  const items = [];
  for (let page = 1; page <= 10; page++) {
    const r = await api('GET', `/v1/items?pageSize=100&page=${page}`);
    items.push(...(r.data?.items ?? []));
    if (!r.ok || items.length >= r.data.total) break;
  }
  const byHall = new Map();
  for (const i of items) {
    const h = byHall.get(i.hall) ?? new Map();
    const d = h.get(i.department) ?? { name: i.departmentName, count: 0 };
    d.count++;
    h.set(i.department, d);
    byHall.set(i.hall, h);
  }
  render(`<h1>办事大厅与部门</h1>${[...byHall].map(([hall, depts]) => `<section class="hall"><h2><a href="#/?hall=${encodeURIComponent(hall)}">${esc(hall)}</a></h2>
    <ul class="depts">${[...depts].map(([code, d]) => `<li><a href="#/?hall=${encodeURIComponent(hall)}&department=${encodeURIComponent(code)}">${esc(d.name)}</a> <span class="help">${d.count} 项</span></li>`).join('')}</ul></section>`).join('') || '<p>暂无事项</p>'}`);
}

// —— the guide (办事指南) ——
const GUIDE_LABELS = { legalBasis: '办事依据', conditions: '办理条件', procedure: '办理程序', place: '受理地点', contact: '联系方式', hours: '受理时间', timeLimit: '办理期限', fees: '收费标准', visits: '到现场次数', kind: '办件类型' };
const guideEntries = (g) => Object.entries(g).sort(([a], [b]) => (Object.keys(GUIDE_LABELS).indexOf(a) + 1 || 99) - (Object.keys(GUIDE_LABELS).indexOf(b) + 1 || 99));
const FORM_TEXT = { original: '原件', copy: '复印件', original_and_copy: '原件及复印件', electronic: '电子件' };
const TYPE_NAMES = { 'image/jpeg': 'JPG', 'image/png': 'PNG', 'image/gif': 'GIF', 'image/webp': 'WEBP', 'image/bmp': 'BMP', 'image/tiff': 'TIFF', 'application/pdf': 'PDF', 'application/ofd': 'OFD' };
/** The allowed file types as a citizen names them: 图片（JPG/PNG）、PDF. */
function typesText(types) {
  const images = types.filter((t) => t.startsWith('image/')).map((t) => TYPE_NAMES[t] ?? t.slice(6).toUpperCase());
  const others = types.filter((t) => !t.startsWith('image/')).map((t) => TYPE_NAMES[t] ?? t);
  return [...(images.length ? [`图片（${images.join('/')}）`] : []), ...others].join('、');
}
const megabytes = (bytes) => (bytes >= 1048576 ? `${Number((bytes / 1048576).toFixed(1))} MB` : `${Math.ceil(bytes / 1024)} KB`);
/** 格式：图片（JPG/PNG）、PDF，不超过 10 MB */
const fileRule = (m) => `格式：${typesText(m.allowedTypes)}，不超过 ${megabytes(m.maxSizeBytes)}`;

async function item(code) {
  const r = await api('GET', `/v1/items/${encodeURIComponent(code)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '事项不存在')}</p>`);
  const it = r.data;
  const retired = it.status === 'retired';
  render(`<h1>${esc(it.name)}</h1>
    <p>${esc(it.departmentName)} · ${esc(it.hall)} · ${esc(it.powerType)} · ${it.promisedDays === 0 ? '即办件' : `承诺 ${it.promisedDays} 个工作日（法定 ${it.statutoryDays} 个工作日）`}</p>
    ${retired ? '<p class="alert">该事项版本已废止，暂停受理新的申请。</p>' : ''}
    <h2>办理指南</h2><dl class="guide">${guideEntries(it.guide).map(([k, v]) => `<dt>${esc(GUIDE_LABELS[k] ?? k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
    <h2>所需材料</h2><ul class="materials">${it.materials.map((m) => `<li>${esc(m.name)}${m.required ? '（必需）' : '（可选）'}${m.form ? ` · ${esc(FORM_TEXT[m.form] ?? m.form)}` : ''}
      <span class="help">${esc(fileRule(m))}${m.eCertificateType ? '；已有电子证照的可免提交' : ''}</span></li>`).join('')}</ul>
    ${it.flowchartSvg ? `<h2>办理流程图</h2><figure class="flowchart"><img src="/v1/items/${encodeURIComponent(it.code)}/flowchart.svg" alt="${esc(it.name)}办理流程图：${esc((it.workflow?.steps ?? []).map((s) => s.name).join(' → '))}"></figure>` : ''}
    <div class="actions">${retired ? '' : `<a class="button" href="#/apply/${encodeURIComponent(it.code)}">在线申报</a>`}
      ${it.visits && !retired ? `<a class="button secondary" href="#/book/${encodeURIComponent(it.code)}">网上预约</a>` : ''}
      <a class="button secondary" href="#/consult?item=${encodeURIComponent(it.code)}">在线咨询</a></div>`);
}

async function login(query) {
  const next = new URLSearchParams(query).get('next') ?? '#/my';
  render(`<h1>用户登录</h1><form id="login"><label for="username">用户名</label><input id="username" autocomplete="username" required>
    <label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>
    <div id="login-error" class="field-error" role="alert"></div><button type="submit">登录</button></form>
    <p><a href="#/register?next=${encodeURIComponent(next)}">注册个人账号</a> · <a href="#/reset">忘记密码</a></p>`);
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/auth/v1/auth/login', { username: document.getElementById('username').value, password: document.getElementById('password').value });
    if (!r.ok) { document.getElementById('login-error').textContent = r.data?.title ?? '登录失败'; return; }
    session.set(r.data);
    await showWho();
    location.hash = next;
  });
}

// —— registration (个人注册) and password reset (找回密码), over the public identity realm ——
const PASSWORD_RULE = '至少 8 位，包含字母、数字、符号中的至少两类，且不含用户名';
const field = (id, label, attrs = '', helpText = '') => `<label for="${id}">${label}</label><input id="${id}" ${attrs} aria-describedby="${helpText ? `${id}-h ` : ''}${id}-e">
  ${helpText ? `<div id="${id}-h" class="help">${helpText}</div>` : ''}<div id="${id}-e" class="field-error" aria-live="polite"></div>`;
/** Shows a problem's per-field errors under the inputs `${prefix}-<name>`; returns whether any was shown. */
function showProblemFields(res, prefix) {
  let shown = false;
  for (const fe of res.data?.errors ?? []) {
    const el = document.getElementById(`${prefix}-${fe.field.split('/').pop()}`);
    if (el) { el.setAttribute('aria-invalid', 'true'); document.getElementById(`${el.id}-e`).textContent = fe.message; shown = true; }
  }
  return shown;
}

function register(query) {
  const next = new URLSearchParams(query).get('next') ?? '#/my';
  render(`<h1>注册个人账号</h1><p class="help">注册后可在网上申报、查询办件。带 * 的为必填项。</p><form id="register" novalidate>
    ${field('r-username', '用户名 *', 'autocomplete="username" required maxlength="32"', '4–32 位，以字母开头，可含字母、数字和 _ . -')}
    ${field('r-name', '姓名 *', 'autocomplete="name" required maxlength="32"')}
    ${field('r-idNumber', '身份证号码 *', 'required maxlength="18" autocomplete="off"')}
    ${field('r-phone', '手机号码 *', 'type="tel" inputmode="numeric" autocomplete="tel" required maxlength="11"', '用于接收办理进度和找回密码的验证码')}
    ${field('r-password', '密码 *', 'type="password" autocomplete="new-password" required', PASSWORD_RULE)}
    ${field('r-password2', '确认密码 *', 'type="password" autocomplete="new-password" required')}
    <div id="register-error" class="alert" role="alert" hidden></div><button type="submit">注册</button></form>
    <p>已有账号？<a href="#/login?next=${encodeURIComponent(next)}">登录</a></p>`);
  document.getElementById('register').addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    const v = (id) => document.getElementById(id).value.trim();
    const box = document.getElementById('register-error');
    box.hidden = true;
    if (document.getElementById('r-password').value !== document.getElementById('r-password2').value) {
      document.getElementById('r-password2').setAttribute('aria-invalid', 'true');
      document.getElementById('r-password2-e').textContent = '两次输入的密码不一致';
      document.getElementById('r-password2').focus();
      return;
    }
    const account = { username: v('r-username'), name: v('r-name'), idNumber: v('r-idNumber'), phone: v('r-phone'), password: document.getElementById('r-password').value };
    const res = await api('POST', '/auth/v1/accounts', account);
    if (!res.ok) {
      const byCode = { id_number_invalid: 'r-idNumber', id_number_registered: 'r-idNumber', password_too_weak: 'r-password', username_taken: 'r-username' }[res.data?.code];
      if (byCode) { document.getElementById(byCode).setAttribute('aria-invalid', 'true'); document.getElementById(`${byCode}-e`).textContent = problem(res, '注册失败'); }
      else if (!showProblemFields(res, 'r')) { box.hidden = false; box.textContent = problem(res, '注册失败'); }
      main.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    const signedIn = await api('POST', '/auth/v1/auth/login', { username: account.username, password: account.password });
    if (!signedIn.ok) { location.hash = `#/login?next=${encodeURIComponent(next)}`; return; }
    session.set(signedIn.data);
    await showWho();
    location.hash = next;
  });
}

function reset() {
  render(`<h1>找回密码</h1><form id="reset-request" novalidate><p class="help">验证码将以短信发送到注册时填写的手机号码。</p>
    ${field('p-username', '用户名', 'autocomplete="username" required')}
    <button type="submit">获取验证码</button></form>
    <form id="reset-confirm" novalidate hidden><p class="notice" id="reset-sent" role="status"></p>
    ${field('p-code', '短信验证码', 'inputmode="numeric" autocomplete="one-time-code" maxlength="6" required')}
    ${field('p-newPassword', '新密码', 'type="password" autocomplete="new-password" required', PASSWORD_RULE)}
    <div id="reset-error" class="alert" role="alert" hidden></div><button type="submit">重置密码</button></form>
    <p><a href="#/login">返回登录</a></p>`);
  const username = () => document.getElementById('p-username').value.trim();
  document.getElementById('reset-request').addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    if (!username()) { document.getElementById('p-username-e').textContent = '请填写用户名'; return; }
    const res = await api('POST', '/auth/v1/auth/password-reset', { username: username() });
    if (!res.ok) { document.getElementById('p-username-e').textContent = res.status === 429 ? '请求过于频繁，请稍后再试' : problem(res, '发送失败'); return; }
    const confirmForm = document.getElementById('reset-confirm');
    confirmForm.hidden = false;
    document.getElementById('reset-sent').textContent = '如果该账号存在并登记了手机号码，验证码已发送，10 分钟内有效。';
    document.getElementById('p-code').focus();
  });
  document.getElementById('reset-confirm').addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    const res = await api('POST', '/auth/v1/auth/password-reset/confirm', { username: username(), code: document.getElementById('p-code').value.trim(), newPassword: document.getElementById('p-newPassword').value });
    const box = document.getElementById('reset-error');
    if (!res.ok) {
      const target = res.data?.code === 'password_too_weak' ? 'p-newPassword' : res.data?.code === 'reset_code_invalid' || res.data?.code === 'validation_failed' ? 'p-code' : null;
      if (target) { document.getElementById(target).setAttribute('aria-invalid', 'true'); document.getElementById(`${target}-e`).textContent = res.data?.code === 'validation_failed' ? '请输入 6 位数字验证码' : problem(res, '重置失败'); document.getElementById(target).focus(); }
      else { box.hidden = false; box.textContent = problem(res, '重置失败'); }
      return;
    }
    render('<h1>密码已重置</h1><p class="notice" id="reset-done">密码已重置，原有登录均已退出。请使用新密码登录。</p><p><a class="button" href="#/login">去登录</a></p>');
  });
}

// —— application form, upload with progress, drafts ——
function inputFor(name, s, required, help) {
  const type = s.format === 'date' ? 'date' : s.type === 'integer' || s.type === 'number' ? 'number' : s.pattern === '^1[3-9]\\d{9}$' ? 'tel' : 'text';
  const describedBy = `e-${name}${help ? ` h-${name}` : ''}`;
  if (Array.isArray(s.enum)) {
    return `<label for="f-${name}">${esc(s.title ?? name)}${required ? ' *' : ''}</label><select id="f-${name}" name="${name}" aria-describedby="${describedBy}"><option value=""></option>${s.enum.map((v) => `<option>${esc(v)}</option>`).join('')}</select>
      ${help ? `<div id="h-${name}" class="help">${esc(help)}</div>` : ''}<div id="e-${name}" class="field-error" aria-live="polite"></div>`;
  }
  return `<label for="f-${name}">${esc(s.title ?? name)}${required ? ' *' : ''}</label>
    <input id="f-${name}" name="${name}" type="${type}" ${required ? 'required' : ''} aria-describedby="${describedBy}" ${type === 'tel' ? 'inputmode="numeric" autocomplete="tel"' : ''}>
    ${help ? `<div id="h-${name}" class="help">${esc(help)}</div>` : ''}<div id="e-${name}" class="field-error" aria-live="polite"></div>`;
}

function xhrUpload(url, file, bar) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [k, v] of Object.entries({ ...actingHeader(), ...(session.token ? { authorization: `Bearer ${session.token}` } : {}) })) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    xhr.onload = () => { let data = null; try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ } if (xhr.status < 300) bar.value = 1; resolve({ ok: xhr.status < 300, status: xhr.status, data }); };
    xhr.onerror = () => resolve({ ok: false, status: 0, data: { title: '网络错误，请重试' } });
    xhr.send(file);
  });
}

/** An upload with progress, renewing an expired access token like api() does. */
async function uploadWithProgress(url, file, bar) {
  await signIn.freshToken();
  let res = await xhrUpload(url, file, bar);
  if (res.status === 401 && (await renew())) res = await xhrUpload(url, file, bar);
  if (res.status === 401) sessionEnded();
  return res;
}

/** File inputs with progress bars; returns the map materialCode → materialId that fills as files upload (onUploaded after each). */
function materialInputs(materials, target, uploaded = {}, names = {}, onUploaded = () => {}) {
  const html = materials.map((m) => `<div class="material"><label for="m-${esc(m.code)}">${esc(m.name)}${m.required ? ' *' : ''}</label>
      <input id="m-${esc(m.code)}" type="file" data-code="${esc(m.code)}" accept="${esc(m.allowedTypes.join(','))}" aria-describedby="mr-${esc(m.code)} me-${esc(m.code)}">
      <div id="mr-${esc(m.code)}" class="help">${esc(fileRule(m))}</div>
      <progress id="p-${esc(m.code)}" value="${uploaded[m.code] ? 1 : 0}" max="1" aria-label="${esc(m.name)}上传进度"></progress>
      <div id="me-${esc(m.code)}" class="${uploaded[m.code] ? 'help' : 'field-error'}" aria-live="polite">${uploaded[m.code] ? `已上传：${esc(names[m.code] ?? '')}` : ''}</div>${m.eCertificateType && target.startsWith('itemCode=') ? certificatePicker(m) : ''}</div>`).join('');
  const wire = () => {
    for (const input of main.querySelectorAll('input[type=file]')) {
      input.addEventListener('change', async () => {
        const code = input.dataset.code;
        const file = input.files[0];
        const msg = document.getElementById(`me-${code}`);
        if (!file) return;
        msg.textContent = '上传中…';
        msg.className = 'help';
        const res = await uploadWithProgress(`/v1/materials?${target}&materialCode=${encodeURIComponent(code)}&fileName=${encodeURIComponent(file.name)}`, file, document.getElementById(`p-${code}`));
        if (res.ok) { uploaded[code] = res.data.materialId; names[code] = file.name; msg.textContent = `已上传：${file.name}`; msg.className = 'help'; onUploaded(); }
        else { delete uploaded[code]; msg.textContent = problem(res, '上传失败'); msg.className = 'field-error'; }
      });
    }
  };
  return { html, wire, uploaded };
}

function showFieldErrors(res) {
  for (const fe of res.data?.errors ?? []) {
    const name = fe.field.replace(/^\/(body\/form\/)?/, '').split('/')[0];
    const el = document.getElementById(`f-${name}`);
    if (el) { el.setAttribute('aria-invalid', 'true'); document.getElementById(`e-${name}`).textContent = fe.message; }
  }
  for (const m of res.data?.missing ?? []) { const el = document.getElementById(`me-${m.code}`); if (el) { el.textContent = `请上传${m.name}`; el.className = 'field-error'; } }
  const first = main.querySelector('[aria-invalid="true"]'); if (first) first.focus();
}
function clearFieldErrors() {
  for (const el of main.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of main.querySelectorAll('.field-error')) if (!el.id.startsWith('me-')) el.textContent = '';
}
function readForm(schema, order) {
  const form = {};
  for (const n of order) {
    const v = document.getElementById(`f-${n}`).value.trim();
    if (v === '') continue;
    const t = schema.properties[n].type;
    form[n] = t === 'integer' || t === 'number' ? Number(v) : v;
  }
  return form;
}

/**
 * The unsent form of each item, kept in this tab (sessionStorage) per signed-in person and party
 * and written at every keystroke, so that a sign-in that ends mid-form (or a reload) returns to it
 * intact after the next login. Forgotten at logout and once the application is submitted.
 */
const localDrafts = {
  key: (itemCode) => `form:${session.sub}:${session.actingFor?.partyId ?? ''}:${itemCode}`,
  get(itemCode) { return JSON.parse(sessionStorage.getItem(this.key(itemCode)) ?? 'null'); },
  put(itemCode, value) { sessionStorage.setItem(this.key(itemCode), JSON.stringify(value)); },
  drop(itemCode) { sessionStorage.removeItem(this.key(itemCode)); },
  forget() { for (const k of Object.keys(sessionStorage)) if (k.startsWith('form:')) sessionStorage.removeItem(k); },
};

async function apply(code, query) {
  if (needLogin(`#/apply/${code}${query ? `?${query}` : ''}`)) return;
  const r = await api('GET', `/v1/items/${encodeURIComponent(code)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '事项不存在')}</p>`);
  const it = r.data;
  const draftId = new URLSearchParams(query).get('draft');
  // This tab's copy is the newest (written at every keystroke); the saved draft serves another tab or device.
  const local = localDrafts.get(it.code);
  const fromLocal = local && (!draftId || local.draftId === draftId) ? local : null;
  const draft = !fromLocal && draftId ? (await api('GET', `/v1/drafts/${encodeURIComponent(draftId)}`)).data : null;
  const schema = it.formSchema;
  const order = schema['x-ui']?.order ?? Object.keys(schema.properties ?? {});
  const help = schema['x-ui']?.help ?? {};
  const required = new Set(schema.required ?? []);
  const key = crypto.randomUUID();
  const uploaded = { ...(fromLocal?.uploaded ?? {}) }, names = { ...(fromLocal?.names ?? {}) };
  for (const m of draft?.materials ?? []) { uploaded[m.materialCode] = m.materialId; names[m.materialCode] = m.fileName ?? ''; }
  let autosave = () => {};
  const files = materialInputs(it.materials, `itemCode=${encodeURIComponent(it.code)}`, uploaded, names, () => autosave());
  const acting = session.actingFor;
  render(`<h1>申报：${esc(it.name)}</h1>${acting ? `<p class="notice">您正在代 <strong>${esc(acting.partyName)}</strong> 办理</p>` : ''}
    ${fromLocal ? '<p class="notice" id="restored">已恢复您尚未提交的申请表和材料，请核对后提交</p>' : draft ? `<p class="help">已恢复 ${when(draft.updatedAt)} 保存的草稿</p>` : ''}<form id="apply" novalidate>
    <fieldset><legend>申请表</legend>${order.map((n) => inputFor(n, schema.properties[n], required.has(n), help[n])).join('')}</fieldset>
    <fieldset><legend>申请材料</legend>${files.html}</fieldset>
    <div id="form-error" class="alert" role="alert" hidden></div><p id="draft-status" class="help" aria-live="polite">填写内容会自动保存为草稿</p>
    <div class="actions"><button type="submit">提交申报</button><button type="button" id="save-draft" class="secondary">保存草稿</button></div></form>`);
  for (const [n, v] of Object.entries(fromLocal?.form ?? draft?.form ?? {})) { const el = document.getElementById(`f-${n}`); if (el) el.value = v; }
  files.wire();
  wireCertificatePickers(main, (p) => api('GET', p));
  let savedDraft = fromLocal?.draftId ?? draft?.draftId ?? null;
  const chosen = () => Object.entries(uploaded).map(([materialCode, materialId]) => ({ materialCode, materialId }));
  const keepLocal = () => localDrafts.put(it.code, { draftId: savedDraft, form: readForm(schema, order), uploaded, names });
  const status = document.getElementById('draft-status');
  // Saves one at a time, in order; a draft deleted meanwhile (submitted elsewhere) is saved anew.
  let saving = Promise.resolve();
  let timer = null;
  const saveDraft = (quiet) => (saving = saving.then(async () => {
    const body = { form: readForm(schema, order), materials: chosen() };
    let res = savedDraft ? await api('PUT', `/v1/drafts/${savedDraft}`, body) : null;
    if (!res || res.status === 404) res = await api('POST', '/v1/drafts', { itemCode: it.code, ...body });
    if (!res.ok) { if (!quiet) status.textContent = problem(res, '草稿保存失败'); return; }
    savedDraft = res.data.draftId;
    keepLocal();
    // The address names the draft: a reload or the login after an ended sign-in comes back to it.
    if (location.hash.startsWith(`#/apply/${encodeURIComponent(it.code)}`)) history.replaceState(null, '', `#/apply/${encodeURIComponent(it.code)}?draft=${savedDraft}`);
    status.textContent = quiet ? `已自动保存草稿（${when(res.data.updatedAt)}）` : `草稿已保存（${when(res.data.updatedAt)}），可在“个人中心 · 我的草稿”中继续填写`;
  }));
  autosave = () => { keepLocal(); clearTimeout(timer); timer = setTimeout(() => saveDraft(true), 1000); };
  const formEl = document.getElementById('apply');
  formEl.addEventListener('input', (e) => { if (e.target.type !== 'file') autosave(); });
  formEl.addEventListener('change', (e) => { if (e.target.type !== 'file') autosave(); });
  document.getElementById('save-draft').addEventListener('click', () => { clearTimeout(timer); saveDraft(false); });
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    keepLocal();
    clearTimeout(timer);
    await saving;
    const picked = pickedCertificates(main);
    const body = { itemCode: it.code, form: readForm(schema, order), materials: [...chosen().filter((m) => !picked.some((p) => p.materialCode === m.materialCode)), ...picked], ...(savedDraft ? { draftId: savedDraft } : {}) };
    const res = await api('POST', '/v1/applications', body, { 'idempotency-key': key });
    const box = document.getElementById('form-error');
    if (res.ok) { localDrafts.drop(it.code); location.hash = `#/receipt/${res.data.applicationId}?no=${encodeURIComponent(res.data.receiptNo)}`; return; }
    box.hidden = false;
    box.textContent = problem(res, '提交失败');
    showFieldErrors(res);
  });
}

/** 受理回执: what was filed, when, with whom and by when it is promised; printable. */
async function receipt(id, query) {
  const no = new URLSearchParams(query).get('no');
  const a = (await api('GET', `/v1/applications/${encodeURIComponent(id)}`)).data;
  const it = a ? (await api('GET', `/v1/items/${encodeURIComponent(a.itemCode)}`)).data : null;
  const limit = it ? (it.promisedDays === 0 ? '即办件' : `${it.promisedDays} 个工作日（自受理之日起计算）`) : '';
  render(`<h1>申报成功</h1><p class="notice">您的申报已提交，受理回执编号：<strong id="receipt-no">${esc(a?.receiptNo ?? no)}</strong></p>
    ${a ? `<section id="receipt" class="receipt" aria-labelledby="receipt-title"><h2 id="receipt-title">网上申报受理回执</h2><dl class="guide">
      <dt>回执编号</dt><dd>${esc(a.receiptNo)}</dd><dt>申报事项</dt><dd id="receipt-item">${esc(a.itemName)}</dd>
      ${it ? `<dt>受理部门</dt><dd>${esc(it.departmentName)}</dd>` : ''}
      ${a.submittedAs !== 'self' ? `<dt>代为申报</dt><dd>${esc(a.submittedByName)}</dd>` : ''}
      <dt>提交时间</dt><dd id="receipt-date">${when(a.submittedAt)}</dd>
      <dt>承诺办理时限</dt><dd id="receipt-limit">${esc(limit)}</dd>
      ${a.dueAt ? `<dt>承诺办结日期</dt><dd>${day(a.dueAt)}</dd>` : ''}
      <dt>当前状态</dt><dd>${esc(a.statusText)}</dd></dl>
      <p class="help">部门受理后，办件编号和承诺办结日期将通过短信通知，也可在“个人中心”查看。</p></section>` : ''}
    <div class="actions no-print"><button type="button" id="print-receipt">打印回执</button><a class="button secondary" href="#/app/${esc(id)}">查看办理进度</a></div>`);
  document.getElementById('print-receipt').addEventListener('click', () => window.print());
}

// —— personal centre ——
const TABS = [['apps', '我的办件'], ['drafts', '我的草稿'], ['appointments', '我的预约'], ['consultations', '我的咨询'], ['messages', '我的消息'], ['settings', '通知与代办'], ['company', '企业与经办人']];

async function my(query) {
  if (needLogin('#/my')) return;
  const tab = new URLSearchParams(query).get('tab') ?? 'apps';
  const nav = `<h1>个人中心</h1><nav class="tabs" aria-label="个人中心">${TABS.map(([t, name]) => `<a href="#/my?tab=${t}" ${t === tab ? 'aria-current="page"' : ''}>${name}</a>`).join('')}
    <a href="/wallet.html${session.actingFor ? `?for=${encodeURIComponent(session.actingFor.partyId)}` : ''}">我的证照</a></nav>`;
  if (tab === 'drafts') {
    const r = await api('GET', '/v1/drafts?pageSize=50');
    render(`${nav}<ul class="items">${(r.data?.items ?? []).map((d) => `<li><a href="#/apply/${encodeURIComponent(d.itemCode)}?draft=${d.draftId}">${esc(d.itemName)}</a>
      <span class="help">保存于 ${when(d.updatedAt)}</span> <button type="button" class="secondary small" data-delete-draft="${d.draftId}">删除</button></li>`).join('') || '<li>暂无草稿</li>'}</ul>`);
    for (const b of main.querySelectorAll('[data-delete-draft]')) b.addEventListener('click', async () => { if (confirm('确定删除该草稿？')) { await api('DELETE', `/v1/drafts/${b.dataset.deleteDraft}`); my(query); } });
    return;
  }
  if (tab === 'appointments') {
    const r = await api('GET', '/v1/appointments');
    render(`${nav}<ul class="items" id="appointments">${(r.data?.items ?? []).map((a) => `<li><strong>${esc(a.itemName)}</strong> <span class="status ${esc(a.status)}">${esc(a.statusText)}</span><br>
      预约号 <code>${esc(a.code)}</code> · ${when(a.startsAt)}–${new Date(a.endsAt).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false })} · ${esc(a.place)}
      ${a.status === 'booked' ? `<br><button type="button" class="secondary small" data-cancel="${a.appointmentId}">取消预约</button>` : ''}</li>`).join('') || '<li>暂无预约</li>'}</ul>`);
    for (const b of main.querySelectorAll('[data-cancel]')) b.addEventListener('click', async () => { if (confirm('确定取消该预约？')) { await api('POST', `/v1/appointments/${b.dataset.cancel}/cancel`, {}); my(query); } });
    return;
  }
  if (tab === 'consultations') {
    const r = await api('GET', '/v1/consultations?pageSize=50');
    render(`${nav}<p><a href="#/consult">我要咨询</a></p><ul class="items">${(r.data?.items ?? []).map((c) => `<li><strong>${esc(c.itemName)}</strong> <span class="status ${c.answered ? 'completed' : ''}">${c.answered ? '已答复' : '待答复'}</span>
      <span class="help">${when(c.askedAt)}</span><blockquote>${esc(c.question)}</blockquote>${c.answered ? `<p class="answer">${esc(c.answeredBy)}答复：${esc(c.answer)}</p>` : ''}</li>`).join('') || '<li>暂无咨询</li>'}</ul>`);
    return;
  }
  if (tab === 'messages') return messages(nav);
  if (tab === 'settings') return settings(nav);
  if (tab === 'company') return company(nav);
  const r = await api('GET', '/v1/applications?pageSize=50');
  const items = r.data?.items ?? [];
  render(`${nav}<ul class="items">${items.map((a) => `<li><a href="#/app/${a.applicationId}">${esc(a.receiptNo)}</a> <span class="status ${esc(a.status)}">${esc(a.statusText)}</span><br>
    <span class="help">${esc(a.itemName)}${a.caseNumber ? ` · 办件编号 ${esc(a.caseNumber)}` : ''}${a.certificateId ? ` · 证照 ${esc(a.certificateId)}` : ''}${a.submittedAs === 'agent' ? ` · 由代办员${esc(a.submittedByName)}代办` : a.submittedAs === 'handler' ? ` · 经办人${esc(a.submittedByName)}` : ''}</span></li>`).join('') || '<li>暂无办件</li>'}</ul>`);
}

async function messages(nav) {
  const r = await api('GET', '/v1/messages?pageSize=50');
  const CHANNEL = { sms: '短信', email: '邮件' };
  render(`${nav}<h2>我的消息</h2><p class="help">办理进度的短信、邮件通知（演示环境中发送到此页面）</p><ul class="items" id="messages">${(r.data?.items ?? []).map((m) => `<li class="${m.read ? '' : 'unread'}"><strong>${esc(m.subject)}</strong>
    <span class="help">${CHANNEL[m.channel] ?? esc(m.channel)} · ${esc(m.recipient)} · ${when(m.deliveredAt)}${m.read ? '' : ' · 未读'}</span><p>${esc(m.body)}</p>
    ${m.applicationId ? `<a href="#/app/${m.applicationId}">查看办件</a> ` : ''}${m.read ? '' : `<button type="button" class="secondary small" data-read="${m.messageId}">标为已读</button>`}</li>`).join('') || '<li>暂无消息</li>'}</ul>`);
  for (const b of main.querySelectorAll('[data-read]')) b.addEventListener('click', async () => { await api('POST', `/v1/messages/${b.dataset.read}/read`, {}); showWho(); messages(nav); });
}

async function settings(nav) {
  const [contact, consents, reps] = await Promise.all([api('GET', '/v1/me/contact'), api('GET', '/auth/v1/consents'), api('GET', '/auth/v1/representations')]);
  const isAgent = session.roles.includes('agent');
  const acting = session.actingFor;
  render(`${nav}<h2>通知设置</h2><form id="contact" novalidate><label for="c-phone">接收短信的手机号码</label><input id="c-phone" type="tel" inputmode="numeric" value="${esc(contact.data?.phone ?? '')}" aria-describedby="ce-phone">
    <div id="ce-phone" class="field-error" aria-live="polite"></div><label for="c-email">接收邮件的电子邮箱</label><input id="c-email" type="email" value="${esc(contact.data?.email ?? '')}">
    <p class="help">未设置时，进度短信发送到申报表中填写的联系电话。</p><p id="contact-status" class="help" aria-live="polite"></p><button type="submit">保存</button></form>
    <h2>代办授权</h2><p class="help">授权便民服务中心的代办员代您申报和查询办件，可随时撤回。</p>
    <ul class="items" id="consents">${(consents.data?.items ?? []).map((c) => `<li>${esc(c.agentName)}${c.servicePoint ? `（${esc(c.servicePoint)}）` : ''} <span class="help">有效期至 ${day(c.expiresAt)}</span>
      <button type="button" class="secondary small" data-revoke="${c.id}">撤回授权</button></li>`).join('') || '<li>暂无代办授权</li>'}</ul>
    <form id="consent"><label for="agent">代办员用户名</label><input id="agent" required aria-describedby="agent-h"><div id="agent-h" class="help">请向便民服务中心的代办员索取其用户名</div>
      <label for="consent-days">授权期限</label><div class="row"><select id="consent-days"><option value="90">3 个月</option><option value="180">6 个月</option><option value="365" selected>1 年</option></select><button type="submit">授权</button></div>
      <p class="help">再次授权同一代办员时，以您这次选择的期限为准。</p><p id="consent-status" class="field-error" role="alert"></p></form>
    ${(reps.data?.items ?? []).length || isAgent ? `<h2>代为办理</h2><p class="help">选择您代其办理的群众或企业；之后的申报、查询都以其名义进行。</p>
      <label for="acting">当前办理对象</label><select id="acting"><option value="">本人（${esc(session.name)}）</option>${(reps.data?.items ?? []).map((p) => `<option value="${esc(p.partyId)}" data-name="${esc(p.partyName)}" ${acting?.partyId === p.partyId ? 'selected' : ''}>${esc(p.partyName)}（${p.relation === 'agent' ? '代办' : p.relation === 'handler' ? '经办' : '法定代表人'}）</option>`).join('')}</select>` : ''}`);
  document.getElementById('contact').addEventListener('submit', async (e) => {
    e.preventDefault();
    const phone = document.getElementById('c-phone').value.trim() || null;
    const email = document.getElementById('c-email').value.trim() || null;
    const res = await api('PUT', '/v1/me/contact', { phone, email });
    document.getElementById('ce-phone').textContent = res.ok ? '' : '请填写正确的手机号码或邮箱';
    document.getElementById('contact-status').textContent = res.ok ? '已保存' : '';
  });
  document.getElementById('consent').addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await api('POST', '/auth/v1/consents', { agentUsername: document.getElementById('agent').value.trim(), days: Number(document.getElementById('consent-days').value) });
    if (!res.ok) { document.getElementById('consent-status').textContent = problem(res, '授权失败'); return; }
    settings(nav);
  });
  for (const b of main.querySelectorAll('[data-revoke]')) b.addEventListener('click', async () => { if (confirm('确定撤回该代办授权？')) { await api('DELETE', `/auth/v1/consents/${b.dataset.revoke}`); settings(nav); } });
  const select = document.getElementById('acting');
  select?.addEventListener('change', () => {
    const opt = select.selectedOptions[0];
    session.setActingFor(select.value ? { partyId: select.value, partyName: opt.dataset.name } : null);
    showWho();
  });
}

// —— 企业与经办人: a legal representative registers the company (法人) and binds its handlers (经办人) ——
async function company(nav) {
  const reps = await api('GET', '/auth/v1/representations');
  const companies = (reps.data?.items ?? []).filter((p) => p.relation === 'legal_representative');
  const handlers = await Promise.all(companies.map((c) => api('GET', `/auth/v1/legal-persons/${encodeURIComponent(c.partyId)}/handlers`)));
  render(`${nav}<h2>企业与经办人</h2><p class="help">法定代表人可登记本企业，并授权本企业员工作为经办人以企业名义网上办事；授权可随时撤销。</p>
    ${companies.map((c, i) => `<section class="company" data-company="${esc(c.partyId)}" aria-labelledby="co-${i}"><h3 id="co-${i}">${esc(c.partyName)}</h3>
      <ul class="items">${(handlers[i].data?.items ?? []).map((h) => `<li>${esc(h.name)}（${esc(h.username)}） <span class="help">授权于 ${day(h.grantedAt)}</span>
        <button type="button" class="secondary small" data-revoke-handler="${esc(h.handlerId)}" data-name="${esc(h.name)}">撤销授权</button></li>`).join('') || '<li>暂无经办人</li>'}</ul>
      <form class="grant-handler"><label for="h-user-${i}">经办人用户名</label><div class="row"><input id="h-user-${i}" required aria-describedby="h-err-${i}"><button type="submit">授权为经办人</button></div>
      <p id="h-err-${i}" class="field-error" role="alert"></p></form></section>`).join('') || '<p>您还不是任何企业的法定代表人。</p>'}
    <h3>登记企业（本人为法定代表人）</h3><form id="register-company" novalidate>
      ${field('lp-creditCode', '统一社会信用代码', 'maxlength="18" autocomplete="off" required', '18 位，见营业执照')}
      ${field('lp-name', '企业名称', 'maxlength="100" autocomplete="organization" required')}
      <button type="submit">登记企业</button></form>`);
  for (const section of main.querySelectorAll('section.company')) {
    const id = section.dataset.company;
    section.querySelector('form.grant-handler').addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = e.target.querySelector('input');
      const res = await api('POST', `/auth/v1/legal-persons/${encodeURIComponent(id)}/handlers`, { username: input.value.trim() });
      if (!res.ok) { e.target.querySelector('.field-error').textContent = problem(res, '授权失败'); input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
      company(nav);
    });
    for (const b of section.querySelectorAll('[data-revoke-handler]')) b.addEventListener('click', async () => {
      if (!confirm(`确定撤销 ${b.dataset.name} 的经办人授权？`)) return;
      await api('DELETE', `/auth/v1/legal-persons/${encodeURIComponent(id)}/handlers/${encodeURIComponent(b.dataset.revokeHandler)}`);
      company(nav);
    });
  }
  document.getElementById('register-company').addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    const res = await api('POST', '/auth/v1/legal-persons', { creditCode: document.getElementById('lp-creditCode').value.trim(), name: document.getElementById('lp-name').value.trim() });
    if (!res.ok) {
      const target = /credit_code/.test(res.data?.code ?? '') ? 'lp-creditCode' : res.data?.code === 'validation_failed' && !showProblemFields(res, 'lp') ? 'lp-creditCode' : res.data?.code === 'forbidden' ? 'lp-name' : null;
      if (target) { document.getElementById(target).setAttribute('aria-invalid', 'true'); document.getElementById(`${target}-e`).textContent = problem(res, '登记失败'); }
      main.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    company(nav);
  });
}

// —— one application: timeline, supplement, withdrawal, evaluation ——
const LEVELS = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']];

async function application(id) {
  const r = await api('GET', `/v1/applications/${encodeURIComponent(id)}`);
  if (!r.ok) return render(`<p class="alert">${esc(r.data?.title ?? '办件不存在')}</p>`);
  const a = r.data;
  const item = a.can.supplement ? (await api('GET', `/v1/items/${encodeURIComponent(a.itemCode)}`)).data : null;
  const missingCodes = new Set((a.missingMaterials ?? []).map((m) => m.materialCode));
  const supplementMaterials = (item?.materials ?? []).filter((m) => missingCodes.has(m.code) || !missingCodes.size);
  const files = materialInputs(supplementMaterials, `applicationId=${encodeURIComponent(a.applicationId)}`);
  const supSchema = item?.formSchema ?? { properties: {} };
  const supOrder = (supSchema['x-ui']?.order ?? Object.keys(supSchema.properties ?? {})).filter((n) => supSchema.properties?.[n]);
  render(`<h1>办件进度</h1><p>${esc(a.itemName)}</p><p>回执编号 ${esc(a.receiptNo)} · 当前状态 <span id="app-status" class="status ${esc(a.status)}">${esc(a.statusText)}</span></p>
    ${a.caseNumber ? `<p>办件编号 ${esc(a.caseNumber)}</p>` : ''}${a.dueAt ? `<p>承诺办结日期 <strong id="due-at">${day(a.dueAt)}</strong></p>` : ''}
    ${a.certificateId ? `<p>电子证照 <code id="certificate-id">${esc(a.certificateId)}</code> <a href="/wallet.html">在我的证照中查看</a></p>` : ''}
    ${a.submittedAs !== 'self' ? `<p class="help">由${a.submittedAs === 'agent' ? '代办员' : '经办人'} ${esc(a.submittedByName)} 代为申报</p>` : ''}
    <h2>办理过程</h2><ol class="timeline">${a.timeline.map((t, i) => `<li><strong>${esc(t.statusText)}</strong> <span class="help">${when(t.at)}</span>${t.reason ? `<br>${esc(t.reason)}` : ''}${t.note ? `<br>${esc(t.note)}` : ''}
      ${t.missingMaterials?.length ? `<br>需补正：<ul>${t.missingMaterials.map((m) => `<li>${esc(m.name)}${m.reason ? `（${esc(m.reason)}）` : ''}</li>`).join('')}</ul>` : ''}${t.dueAt && t.dueAt !== a.timeline.slice(0, i).findLast((x) => x.dueAt)?.dueAt ? `<br><span class="help">承诺办结日期 ${day(t.dueAt)}</span>` : ''}</li>`).join('')}</ol>
    ${a.can.supplement ? `<section aria-labelledby="sup-h"><h2 id="sup-h">补正材料</h2><form id="supplement" novalidate>${files.html}
      ${supOrder.length ? `<details><summary>更正申请表内容</summary>${supOrder.map((n) => inputFor(n, supSchema.properties[n], false, null)).join('')}</details>` : ''}
      <label for="s-comment">补正说明</label><textarea id="s-comment" rows="2"></textarea>
      <div id="sup-error" class="alert" role="alert" hidden></div><button type="submit">提交补正</button></form></section>` : ''}
    ${a.can.evaluate ? `<section aria-labelledby="ev-h"><h2 id="ev-h">服务评价</h2><form id="evaluate" novalidate><fieldset><legend>您对本次办理的评价</legend>
      ${LEVELS.map(([v, t]) => `<label class="inline"><input type="radio" name="level" value="${v}" required> ${t}</label>`).join('')}</fieldset>
      <label for="ev-comment">评价意见（不满意时请写明原因）</label><textarea id="ev-comment" rows="3"></textarea><div id="ev-error" class="field-error" role="alert"></div><button type="submit">提交评价</button></form></section>` : ''}
    ${a.evaluation ? `<p class="notice" id="evaluation">您的评价：${esc(a.evaluation.levelText)}${a.evaluation.comment ? `（${esc(a.evaluation.comment)}）` : ''}</p>` : ''}
    <div class="actions"><a class="button secondary" href="#/consult?app=${a.applicationId}">咨询此办件</a>
      ${a.can.withdraw ? '<button type="button" id="withdraw" class="danger">撤回申请</button>' : ''}</div>
    <div id="withdraw-box" hidden><label for="w-reason">撤回原因</label><textarea id="w-reason" rows="2"></textarea><div id="w-error" class="field-error" role="alert"></div><button type="button" id="withdraw-confirm" class="danger">确认撤回</button></div>`);
  files.wire();
  for (const n of supOrder) { const el = document.getElementById(`f-${n}`); if (el && a.form[n] !== undefined) el.value = a.form[n]; }
  // One key per supplement form: a retry after a lost answer (or a double click) replays the first answer.
  const supplementKey = crypto.randomUUID();
  document.getElementById('supplement')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    // Only the fields the applicant changed travel as corrections.
    const edited = readForm(supSchema, supOrder);
    const corrected = Object.fromEntries(Object.entries(edited).filter(([k, v]) => v !== a.form[k]));
    const body = { form: corrected, materials: Object.entries(files.uploaded).map(([materialCode, materialId]) => ({ materialCode, materialId })), comment: document.getElementById('s-comment').value.trim() || undefined };
    const res = await api('POST', `/v1/applications/${a.applicationId}/supplements`, body, { 'idempotency-key': supplementKey });
    if (res.ok) return application(id);
    const box = document.getElementById('sup-error');
    box.hidden = false;
    box.textContent = problem(res, '补正提交失败');
    showFieldErrors(res);
  });
  document.getElementById('evaluate')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Nothing is chosen in advance: the citizen's own judgement, not a default 非常满意.
    const chosenLevel = main.querySelector('input[name=level]:checked');
    if (!chosenLevel) { document.getElementById('ev-error').textContent = '请选择评价等级'; main.querySelector('input[name=level]').focus(); return; }
    const level = Number(chosenLevel.value);
    const comment = document.getElementById('ev-comment').value.trim();
    const res = await api('POST', `/v1/applications/${a.applicationId}/evaluation`, { level, ...(comment ? { comment } : {}) });
    if (!res.ok) { document.getElementById('ev-error').textContent = problem(res, '评价提交失败'); return; }
    application(id);
  });
  document.getElementById('withdraw')?.addEventListener('click', () => { document.getElementById('withdraw-box').hidden = false; document.getElementById('w-reason').focus(); });
  document.getElementById('withdraw-confirm')?.addEventListener('click', async () => {
    const reason = document.getElementById('w-reason').value.trim();
    const res = await api('POST', `/v1/applications/${a.applicationId}/withdrawal`, { reason });
    if (!res.ok) { document.getElementById('w-error').textContent = res.status === 400 ? '请填写撤回原因' : problem(res, '撤回失败'); return; }
    application(id);
  });
}

// —— appointments ——
async function book(code) {
  if (needLogin(`#/book/${code}`)) return;
  const [it, slots] = await Promise.all([api('GET', `/v1/items/${encodeURIComponent(code)}`), api('GET', `/v1/items/${encodeURIComponent(code)}/slots`)]);
  if (!slots.ok) return render(`<p class="alert">${esc(problem(slots, '无法预约'))}</p>`);
  const byDay = new Map();
  for (const s of slots.data.items) { const d = day(s.startsAt); byDay.set(d, [...(byDay.get(d) ?? []), s]); }
  const time = (iso) => new Date(iso).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
  render(`<h1>网上预约：${esc(it.data?.name ?? code)}</h1><p class="help">受理地点：${esc(it.data?.guide?.place ?? '')}</p><form id="book">
    ${[...byDay].map(([d, list]) => `<fieldset><legend>${esc(d)}</legend>${list.map((s) => `<label class="inline slot"><input type="radio" name="slot" value="${s.slotId}" ${s.remaining ? '' : 'disabled'}>
      ${time(s.startsAt)}–${time(s.endsAt)} <span class="help">${s.remaining ? `余 ${s.remaining} 个` : '已约满'}</span></label>`).join('')}</fieldset>`).join('') || '<p>暂无可预约时段</p>'}
    <div id="book-error" class="field-error" role="alert"></div><button type="submit">确认预约</button></form>`);
  document.getElementById('book').addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = main.querySelector('input[name=slot]:checked');
    if (!chosen) { document.getElementById('book-error').textContent = '请选择预约时段'; return; }
    const res = await api('POST', '/v1/appointments', { slotId: chosen.value });
    if (!res.ok) { document.getElementById('book-error').textContent = problem(res, '预约失败'); return; }
    render(`<h1>预约成功</h1><p class="notice">预约号 <strong id="appointment-code">${esc(res.data.code)}</strong>，请于 ${when(res.data.startsAt)} 携带材料到 ${esc(res.data.place)} 办理。</p><a href="#/my?tab=appointments">查看我的预约</a>`);
  });
}

// —— consultation ——
async function consult(query) {
  const params = new URLSearchParams(query);
  if (needLogin(`#/consult${query ? `?${query}` : ''}`)) return;
  const itemCode = params.get('item');
  const appId = params.get('app');
  const subject = appId ? (await api('GET', `/v1/applications/${encodeURIComponent(appId)}`)).data : itemCode ? (await api('GET', `/v1/items/${encodeURIComponent(itemCode)}`)).data : null;
  const apps = subject ? null : (await api('GET', '/v1/applications?pageSize=50')).data?.items ?? [];
  render(`<h1>在线咨询</h1><form id="consult">${subject ? `<p>咨询：<strong>${esc(subject.itemName ?? subject.name)}</strong>${appId ? `（回执编号 ${esc(subject.receiptNo)}）` : ''}</p>`
    : `<label for="c-app">咨询的办件</label><select id="c-app">${apps.map((a) => `<option value="${a.applicationId}">${esc(a.itemName)}（${esc(a.receiptNo)}）</option>`).join('')}</select><p class="help">咨询某一事项，请在该事项的办事指南页点击“在线咨询”。</p>`}
    <label for="question">咨询内容</label><textarea id="question" rows="4" required maxlength="2000"></textarea>
    <div id="consult-error" class="field-error" role="alert"></div><button type="submit">提交咨询</button></form>`);
  document.getElementById('consult').addEventListener('submit', async (e) => {
    e.preventDefault();
    const question = document.getElementById('question').value.trim();
    const target = appId ? { applicationId: appId } : itemCode ? { itemCode } : { applicationId: document.getElementById('c-app')?.value };
    const res = await api('POST', '/v1/consultations', { ...target, question });
    if (!res.ok) { document.getElementById('consult-error').textContent = res.status === 400 ? problem(res, '请填写咨询内容') : problem(res, '提交失败'); return; }
    location.hash = '#/my?tab=consultations';
  });
}

const routes = {
  halls: () => halls(),
  item: (parts) => item(parts[1]),
  login: (_p, query) => login(query),
  register: (_p, query) => register(query),
  reset: () => reset(),
  apply: (parts, query) => apply(parts[1], query),
  receipt: (parts, query) => receipt(parts[1], query),
  my: (_p, query) => my(query),
  messages: () => { location.hash = '#/my?tab=messages'; },
  app: (parts) => application(parts[1]),
  book: (parts) => book(parts[1]),
  consult: (_p, query) => consult(query),
};

async function route() {
  navigation.start();
  showWho();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return home(query);
  const handler = routes[parts[0]];
  if (handler) return handler(parts, query);
  render('<p class="alert">页面不存在</p>');
}

/** The hook other portal modules use to add pages. */
/** fetch for files (PDFs): the token renewed like api(), the party acted for, the login page when the sign-in ended. */
const fileFetch = (path) => signIn.authorizedFetch(path, { headers: actingHeader() }, sessionEnded);
window.hallPortal = { api, fetch: fileFetch, render, esc, session, registerRoute: (name, handler) => { routes[name] = handler; } };
window.addEventListener('hashchange', route);
// Module scripts run before DOMContentLoaded: modules loaded after this one register their routes first.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', route); else route();

// The staff console (审批工作台): my task inbox by position with deadline colours, claiming, case
// detail (form, materials with preview, history, workflow position), actions with confirmation and
// required reasons, supplement and special-procedure dialogs, case search and the department view
// for admins, 证照管理 (the department's e-certificates, revocation, key rotation), 证照定义 for admins (the
// catalog's issuers and certificate types; catalog admins edit a type); over approval's API (same origin),
// the certificate service and the catalog (same origin, /certificate/ and /catalog/) and the staff identity realm (under /auth/).
import { createSession, createNavigation } from '/lib/session.js';
const main = document.getElementById('main');
const who = document.getElementById('who');
const nav = document.getElementById('nav');
const logoutButton = document.getElementById('logout');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
// The clerk's sign-in with silent renewal (packages/http/ui/session.js, served at /lib/).
const signIn = createSession('staff-');
const session = signIn.session;
const POSITIONS = { acceptance: '受理岗', review: '审查岗', approval: '审批岗', decision: '决定岗', inspection: '现场勘查岗', expert: '专家评审', hearing: '听证', delivery: '送达岗', system: '系统自动' };
const KINDS = { accept: '受理', review: '审查', decision: '决定', payment: '缴费', complete: '办结' };
const TASK_STATUS = { open: '待签收', claimed: '已签收', done: '已完成', skipped: '已跳过', cancelled: '已取消', waiting: '等待中' };
const DEADLINE = { overdue: ['已超期', 'red'], due_soon: ['即将到期', 'amber'], on_time: ['正常', 'green'] };
const OUTCOME = { accept: '受理', reject: '不予受理', pass: '同意', refuse: '不同意', approve: '准予许可', deny: '不予许可', complete: '办结', skipped: '跳过', paid: '已缴费' };
const ACTIONS = {
  accept: [['accept', '受理', false], ['reject', '不予受理', true]],
  review: [['pass', '同意', false], ['refuse', '不同意', true]],
  decision: [['approve', '审批通过', false], ['deny', '不予许可', true]],
  complete: [['complete', '办结', false]],
};
const ACTION_TEXT = {
  receive: '网上受理', accept: '受理', reject: '不予受理', review: '审查意见', approve: '审批通过', deny: '不予许可', complete: '办结', claim: '签收', release: '退回待签',
  reassign: '改派', delegate: '委托', supplement_request: '补交告知', supplement_receive: '补交受理', special_procedure_start: '特别程序申请', special_procedure_finish: '特别程序结果',
  withdraw: '申请人撤回', withdraw_refused: '撤回申请（已决定，未准）', payment_request: '待缴费', pay: '已缴费', skip_step: '跳过环节', certificate_request: '申请制证', supplement_unexpected: '收到补交材料',
  certificate_failed: '制证失败', certificate_retry: '重新制证',
};
const PAGE_SIZE = 20;
const isAdmin = () => (session.principal?.roles ?? []).includes('dept_admin');

/** fetch with the clerk's token, renewed when expired; an ended sign-in goes to the login page and back (also for consult.js). */
const authorizedFetch = async (path, init = {}) => {
  const res = await signIn.authorizedFetch(path, init, () => {
    if (!location.hash.startsWith('#/login')) location.hash = `#/login?next=${encodeURIComponent(location.hash || '#/')}`;
  });
  // The sign-in ended: the login page takes over, and the view that asked stops here (never drawn over it).
  return res.status === 401 && !path.startsWith('/auth/v1/auth/') ? new Promise(() => {}) : res;
};
// A page whose answer comes after the clerk went elsewhere is not drawn (session.js, createNavigation).
const navigation = createNavigation();
async function api(method, path, body) {
  const at = navigation.current;
  const res = await authorizedFetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  return navigation.keep(at, { ok: res.ok, status: res.status, data });
}
window.hallConsole = { authorizedFetch };
const problemText = (r) => `${r.data?.title ?? '操作失败'}${r.data?.detail ? `：${r.data.detail}` : ''}`;
function render(html) { main.innerHTML = html; main.focus(); }
function showWho() {
  const p = session.principal;
  who.textContent = p ? `${p.name}（${(p.positions ?? []).map((x) => POSITIONS[x] ?? x).join('、') || (isAdmin() ? '部门管理员' : isCatalogAdmin() ? '目录管理员' : '')}）` : '';
  logoutButton.hidden = !p;
  nav.hidden = !p;
  document.getElementById('nav-dept').hidden = !isAdmin();
  document.getElementById('nav-definitions').hidden = !isAdmin() && !isCatalogAdmin();
}
logoutButton.addEventListener('click', () => { signIn.logout(); showWho(); location.hash = '#/login'; });

function login() {
  render(`<h1>工作人员登录</h1><form id="login"><label for="username">用户名</label><input id="username" autocomplete="username" required>
    <label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>
    <p id="login-error" class="alert" role="alert"></p><button type="submit">登录</button></form>`);
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/auth/v1/auth/login', { username: document.getElementById('username').value, password: document.getElementById('password').value });
    if (!r.ok) { document.getElementById('login-error').textContent = r.data?.title ?? '登录失败'; return; }
    session.set(r.data);
    showWho();
    // Back to the page the clerk was on when the sign-in ended (a same-page hash only).
    const next = new URLSearchParams(location.hash.split('?')[1] ?? '').get('next');
    const here = location.hash.startsWith('#/') && !location.hash.startsWith('#/login') ? location.hash : '#/';
    const target = next && next.startsWith('#/') && !next.startsWith('#/login') ? next : here;
    if (location.hash === target) route(); else location.hash = target;
  });
}

const deadlineBadge = (level, remaining, dueDate) => {
  if (!level) return '—';
  const [text, cls] = DEADLINE[level];
  const left = remaining < 0 ? `超期 ${-remaining} 个工作日` : remaining === 0 ? '今日到期' : `剩余 ${remaining} 个工作日`;
  return `<span class="deadline ${cls}">${text}</span> <span class="muted">${esc(left)}（${esc(dueDate)}）</span>`;
};
function pager(total, page, base) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // base carries values read from the address bar: escaped here, once, for every list's pager.
  const link = (p, t) => `<a href="${esc(`${base}${base.includes('?') ? '&' : '?'}page=${p}`)}">${t}</a>`;
  return `<nav class="pager" aria-label="分页">共 ${total} 条 · 第 ${page}/${pages} 页 ${page > 1 ? link(page - 1, '上一页') : ''} ${page < pages ? link(page + 1, '下一页') : ''}</nav>`;
}
const pageOf = (query) => Math.max(1, Number(new URLSearchParams(query).get('page') ?? 1) || 1);

async function inbox(query) {
  if (!session.token) return login();
  const page = pageOf(query);
  const mine = new URLSearchParams(query).get('mine') === 'true';
  const r = await api('GET', `/v1/tasks?pageSize=${PAGE_SIZE}&page=${page}${mine ? '&mine=true' : ''}`);
  if (!r.ok) return render(`<p class="alert" role="alert">${esc(problemText(r))}</p>`);
  const rows = r.data.items;
  render(`<h1>我的待办</h1><nav class="tabs" aria-label="待办范围"><a href="#/" ${mine ? '' : 'aria-current="page"'}>岗位待办</a><a href="#/?mine=true" ${mine ? 'aria-current="page"' : ''}>已签收</a></nav>
    <div class="scroll"><table><caption class="sr-only">待办任务，按到期时间排序</caption><thead><tr><th>办件编号</th><th>事项</th><th>申请人</th><th>环节</th><th>期限</th><th>办件状态</th><th>操作</th></tr></thead><tbody>
    ${rows.map((t) => `<tr class="row-${t.deadline}"><td><a href="#/case/${t.caseId}">${esc(t.caseNumber)}</a></td><td>${esc(t.itemName)}</td><td>${esc(t.applicantName)}</td>
      <td>${esc(t.stepName)}<br><span class="muted">${esc(POSITIONS[t.position] ?? t.position)}</span></td><td>${deadlineBadge(t.deadline, t.remainingDays, t.dueDate)}</td><td>${esc(t.caseStatusText)}</td>
      <td>${t.status === 'open' ? `<button type="button" data-claim="${t.taskId}">签收</button>` : `已签收${t.assigneeName ? `：${esc(t.assigneeName)}` : ''}`}</td></tr>`).join('') || '<tr><td colspan="7">暂无待办</td></tr>'}
    </tbody></table></div>${pager(r.data.total, page, mine ? '#/?mine=true' : '#/')}<p id="inbox-msg" role="status"></p>`);
  for (const b of main.querySelectorAll('button[data-claim]')) {
    b.addEventListener('click', async () => {
      const res = await api('POST', `/v1/tasks/${b.dataset.claim}/claim`);
      if (!res.ok) { document.getElementById('inbox-msg').textContent = problemText(res); return; }
      inbox(query);
    });
  }
}

const STATUS_TEXT = {
  received: '待受理', accepted: '已受理', rejected: '不予受理', approved: '审批通过', denied: '不予许可', completed: '已办结', under_review: '审查中', supplement_requested: '补交告知',
  supplement_received: '补交受理', special_procedure: '特别程序中', special_procedure_done: '特别程序结束', payment_pending: '待缴费', paid: '已缴费', withdrawn: '已撤回', terminated: '已终止办理',
};
/** 制证失败 beside the status, wherever a case is listed. */
const failureBadge = (c) => (c.certificateFailure ? ' <span class="deadline red">制证失败</span>' : '');
const STATUSES = [['', '全部状态'], ['received', '待受理'], ['accepted', '已受理'], ['under_review', '审查中'], ['supplement_requested', '补交告知'], ['special_procedure', '特别程序中'], ['payment_pending', '待缴费'], ['approved', '审批通过'], ['completed', '已办结'], ['denied', '不予许可'], ['rejected', '不予受理'], ['withdrawn', '已撤回']];
async function search(query) {
  if (!session.token) return login();
  const params = new URLSearchParams(query);
  const q = params.get('q') ?? '', status = params.get('status') ?? '', page = pageOf(query);
  const r = await api('GET', `/v1/cases?pageSize=${PAGE_SIZE}&page=${page}${q ? `&q=${encodeURIComponent(q)}` : ''}${status ? `&status=${encodeURIComponent(status)}` : ''}`);
  const rows = r.data?.items ?? [];
  render(`<h1>办件查询</h1><form id="search" class="inline" role="search"><label for="q">关键词（办件编号、申请人、事项、表单内容）</label><input id="q" value="${esc(q)}">
    <label for="status">状态</label><select id="status">${STATUSES.map(([v, t]) => `<option value="${v}" ${v === status ? 'selected' : ''}>${t}</option>`).join('')}</select><button type="submit">查询</button></form>
    <div class="scroll"><table><thead><tr><th>办件编号</th><th>事项</th><th>申请人</th><th>状态</th><th>期限</th><th>收件时间</th></tr></thead><tbody>
    ${rows.map((c) => `<tr><td><a href="#/case/${c.caseId}">${esc(c.caseNumber)}</a></td><td>${esc(c.itemName)}</td><td>${esc(c.applicantName)}</td><td>${esc(c.statusText)}${failureBadge(c)}</td><td>${deadlineBadge(c.deadline, c.remainingDays, c.dueDate)}</td><td>${new Date(c.receivedAt).toLocaleString('zh-CN')}</td></tr>`).join('') || '<tr><td colspan="6">没有符合条件的办件</td></tr>'}
    </tbody></table></div>${pager(r.data?.total ?? 0, page, `#/search?q=${encodeURIComponent(q)}&status=${encodeURIComponent(status)}`)}`);
  document.getElementById('search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/search?q=${encodeURIComponent(document.getElementById('q').value.trim())}&status=${encodeURIComponent(document.getElementById('status').value)}`;
  });
}

async function department(query) {
  if (!session.token) return login();
  const page = pageOf(query);
  const [r, failed] = await Promise.all([api('GET', `/v1/department/tasks?pageSize=${PAGE_SIZE}&page=${page}`), api('GET', '/v1/cases?certificateFailed=true&pageSize=100')]);
  if (!r.ok) return render(`<p class="alert" role="alert">${esc(problemText(r))}</p>`);
  const failures = failed.ok ? failed.data.items : [];
  render(`<h1>部门待办总览</h1>
    ${failures.length ? `<section aria-labelledby="h-failed"><h2 id="h-failed">制证失败（${failed.data.total}）</h2><p class="muted">在<a href="#/certificate-definitions">证照定义</a>中修正发证机关、证照类型或生成签名密钥后，在办件页“重新制证”。</p>
    <div class="scroll"><table><thead><tr><th>办件编号</th><th>事项</th><th>原因</th><th>时间</th></tr></thead><tbody>
    ${failures.map((c) => `<tr><td><a href="#/case/${c.caseId}">${esc(c.caseNumber)}</a></td><td>${esc(c.itemName)}</td><td>${esc(c.certificateFailure.reason)}</td><td>${new Date(c.certificateFailure.failedAt).toLocaleString('zh-CN')}</td></tr>`).join('')}
    </tbody></table></div></section>` : ''}
    <p class="muted">改派：交给本岗位其他人员或退回岗位待签；委托：交给指定人员代为办理。均需填写理由并记录在案。</p>
    <div class="scroll"><table><thead><tr><th>办件编号</th><th>事项</th><th>环节</th><th>期限</th><th>办理人</th><th>操作</th></tr></thead><tbody>
    ${r.data.items.map((t) => `<tr><td><a href="#/case/${t.caseId}">${esc(t.caseNumber)}</a></td><td>${esc(t.itemName)}</td><td>${esc(t.stepName)}（${esc(POSITIONS[t.position] ?? t.position)}）</td>
      <td>${deadlineBadge(t.deadline, t.remainingDays, t.dueDate)}</td><td>${t.assigneeName ? `${esc(t.assigneeName)}${t.delegated ? '（委托）' : ''}` : '待签收'}</td>
      <td><button type="button" data-assign="${t.taskId}">改派/委托</button></td></tr>`).join('') || '<tr><td colspan="6">本部门暂无待办</td></tr>'}
    </tbody></table></div>${pager(r.data.total, page, '#/department')}
    <dialog id="assign-dialog" aria-labelledby="assign-title"><form id="assign-form" method="dialog"><h2 id="assign-title">改派或委托</h2>
      <fieldset><legend>方式</legend><label><input type="radio" name="mode" value="reassign" checked> 改派</label><label><input type="radio" name="mode" value="delegate"> 委托</label></fieldset>
      <label for="assignee-id">人员账号编号（改派时留空则退回岗位待签）</label><input id="assignee-id"><label for="assignee-name">人员姓名</label><input id="assignee-name">
      <label for="assign-reason">理由（必填）</label><textarea id="assign-reason" rows="2" required></textarea><p id="assign-error" class="alert" role="alert"></p>
      <button type="submit" value="ok">确定</button><button type="button" class="secondary" id="assign-cancel">取消</button></form></dialog>`);
  const dialog = document.getElementById('assign-dialog');
  let taskId = null;
  for (const b of main.querySelectorAll('button[data-assign]')) b.addEventListener('click', () => { taskId = b.dataset.assign; dialog.showModal(); });
  document.getElementById('assign-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('assign-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const mode = dialog.querySelector('input[name=mode]:checked').value;
    const id = document.getElementById('assignee-id').value.trim(), name = document.getElementById('assignee-name').value.trim(), reason = document.getElementById('assign-reason').value.trim();
    const err = document.getElementById('assign-error');
    if (reason.length < 2) { err.textContent = '请填写理由'; return; }
    if ((mode === 'delegate' || id) && (!id || !name)) { err.textContent = '请填写人员账号编号和姓名'; return; }
    const res = await api('POST', `/v1/tasks/${taskId}/${mode}`, { reason, ...(id ? { assignee: { id, name } } : {}) });
    if (!res.ok) { err.textContent = problemText(res); return; }
    dialog.close();
    department(query);
  });
}

/** Fetches a material with the token and shows it (images inline, PDFs in an embedded viewer). */
// The console's CSP allows blob: (of this origin) for img, object and frame: exactly what this needs.
async function preview(caseId, index, m, label, target) {
  const res = await authorizedFetch(`/v1/cases/${caseId}/materials/${index}`);
  if (!res.ok) { target.textContent = '材料文件无法打开'; return; }
  const url = URL.createObjectURL(await res.blob());
  const download = `<a href="${url}" download="${esc(m.fileName)}">下载 ${esc(m.fileName)}</a>`;
  if (m.contentType.startsWith('image/')) target.innerHTML = `<img src="${url}" alt="${esc(label)}（${esc(m.fileName)}）" class="preview"><br>${download}`;
  else if (m.contentType === 'application/pdf') target.innerHTML = `<iframe src="${url}" class="preview pdf" title="${esc(label)}（${esc(m.fileName)}）"></iframe><br>${download}`;
  else target.innerHTML = download;
}
/** A material as the item names it (结婚证), else its file name. */
const materialLabel = (c, m) => (c.itemMaterials ?? []).find((x) => x.code === m.materialCode)?.name ?? m.fileName;
/** The form's fields in the applicant's form order (the item's x-ui order), then any others. */
const orderedForm = (c) => {
  const order = (c.fieldOrder ?? []).filter((k) => k in c.form);
  return [...order, ...Object.keys(c.form).filter((k) => !order.includes(k))].map((k) => [k, c.form[k]]);
};

function workflowPosition(c) {
  const byStep = new Map(c.tasks.map((t) => [t.stepKey, t]));
  const current = c.tasks.filter((t) => ['open', 'claimed', 'waiting'].includes(t.status)).map((t) => t.stepKey);
  const list = c.workflow.map((s) => {
    const t = byStep.get(s.key);
    const state = t ? TASK_STATUS[t.status] ?? t.status : '未开始';
    return `<li class="${current.includes(s.key) ? 'current' : ''}">${esc(s.name)}（${esc(s.departmentName)} · ${esc(POSITIONS[s.position] ?? s.position)} · ${esc(KINDS[s.kind] ?? s.kind)}）：<strong>${esc(state)}</strong>${t?.assigneeName ? ` · ${esc(t.assigneeName)}` : ''}${t?.outcome ? ` · ${esc(OUTCOME[t.outcome] ?? t.outcome)}` : ''}${t?.opinion ? `：${esc(t.opinion)}` : ''}${t && ['open', 'claimed'].includes(t.status) ? ` · ${deadlineBadge(t.deadline, t.remainingDays, t.dueDate)}` : ''}</li>`;
  }).join('');
  const chart = c.flowchartSvg && c.flowchartSvg.startsWith('<svg') ? `<div class="flowchart" id="flowchart">${c.flowchartSvg}</div>` : '';
  return { html: `${chart}<ol class="steps" aria-label="办理环节">${list}</ol>`, current };
}

async function caseDetail(id) {
  if (!session.token) return login();
  const r = await api('GET', `/v1/cases/${encodeURIComponent(id)}`);
  if (!r.ok) return render(`<p class="alert" role="alert">${esc(r.data?.title ?? '办件不存在')}</p><p><a href="#/">返回待办</a></p>`);
  const c = r.data;
  const mine = c.tasks.filter((t) => t.mayAct);
  const task = mine.find((t) => t.status === 'claimed') ?? mine[0];
  const pos = workflowPosition(c);
  const paused = ['supplement_requested', 'special_procedure', 'payment_pending'].includes(c.status);
  const actions = task && !paused ? ACTIONS[task.kind] ?? [] : [];
  const canPause = task && !paused && ['received', 'accepted', 'under_review', 'supplement_received', 'special_procedure_done'].includes(c.status);
  render(`<h1>${esc(c.caseNumber)} · ${esc(c.itemName)}</h1>
    <p>状态：<strong id="case-status">${esc(c.statusText)}</strong>${c.paused ? '（暂停计时）' : ''} · 承诺时限 ${c.promisedDays} 个工作日 · ${deadlineBadge(c.deadline, c.remainingDays, c.dueDate)}${c.pausedDays ? ` · 已暂停 ${c.pausedDays} 个工作日` : ''}</p>
    ${c.certificateFailure ? `<div class="alert" role="alert"><p><strong>制证失败</strong>：${esc(c.certificateFailure.reason)}（${new Date(c.certificateFailure.failedAt).toLocaleString('zh-CN')}）。办件停在办结环节，等待重新制证。</p>
      ${isAdmin() ? '<p><button type="button" id="retry-certificate">重新制证</button> <span id="retry-result" role="status"></span></p>' : '<p class="muted">请联系部门管理员修正定义后重新制证。</p>'}</div>` : ''}
    ${c.pending ? `<p class="notice">${c.pending.kind === 'supplement' ? `补交告知：${esc(c.pending.materials.map((m) => m.name).join('、'))}` : `${esc(c.pending.name)}：至 ${esc(c.pending.dueDate)}`}</p>` : ''}
    <section aria-labelledby="h-actions">${task ? `<h2 id="h-actions">办理：${esc(task.stepName)}</h2>
      ${task.status === 'open' ? `<p><button type="button" id="claim">签收此任务</button></p>` : `<p class="muted">已由 ${esc(task.assigneeName)} 签收</p>`}
      ${actions.length ? `<form id="act"><label for="reason">意见或理由（不同意、不予受理、不予许可时必填）</label><textarea id="reason" rows="3"></textarea>
      <p id="act-error" class="alert" role="alert"></p>${actions.map(([a, t, needsReason]) => `<button type="button" data-action="${a}" data-reason="${needsReason}" class="${needsReason ? 'danger' : ''}">${t}</button>`).join('')}</form>` : paused ? '<p class="muted">办件暂停中，恢复后方可继续办理。</p>' : ''}
      <p>${canPause ? '<button type="button" id="open-supplement" class="secondary">补交告知</button>' : ''}${canPause && c.status !== 'received' ? '<button type="button" id="open-special" class="secondary">特别程序</button>' : ''}
      ${c.status === 'special_procedure' ? '<button type="button" id="open-finish" class="secondary">特别程序结束</button>' : ''}</p>` : '<h2 id="h-actions" class="sr-only">办理</h2><p class="muted">您当前没有此办件的待办环节。</p>'}</section>
    <h2>办理流程</h2>${pos.html}
    <h2>申请表</h2><dl id="case-form">${orderedForm(c).map(([k, v]) => `<dt>${esc(c.fieldLabels?.[k] ?? k)}</dt><dd>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</dd>`).join('')}</dl>
    <h2>申请材料</h2><ul class="materials" id="case-materials">${c.materials.map((m, i) => `<li><strong>${esc(materialLabel(c, m))}</strong> <span class="muted">${esc(m.fileName)}（${esc(m.contentType)}，${m.size} 字节${m.supplementedAt ? '，补交' : ''}）</span> <button type="button" class="secondary" data-preview="${i}" aria-label="预览${esc(materialLabel(c, m))}">预览</button><div id="preview-${i}"></div></li>`).join('') || '<li>无</li>'}</ul>
    <h2>办理记录</h2><div class="scroll"><table><thead><tr><th>时间</th><th>环节</th><th>操作</th><th>办理人</th><th>状态</th><th>意见/理由</th></tr></thead><tbody>
    ${c.history.map((h) => `<tr><td>${new Date(h.at).toLocaleString('zh-CN')}</td><td>${esc(h.stage ?? '')}</td><td>${esc(ACTION_TEXT[h.action] ?? h.action)}</td><td>${esc(h.actorName)}</td><td>${esc(STATUS_TEXT[h.to] ?? h.to)}</td><td>${esc(h.reason ?? '')}</td></tr>`).join('')}
    </tbody></table></div>
    <dialog id="supplement-dialog" aria-labelledby="supplement-title"><form id="supplement-form"><h2 id="supplement-title">补交告知（一次性告知所缺材料）</h2>
      <fieldset><legend>所缺材料</legend>${(c.itemMaterials ?? []).map((m, i) => `<label><input type="checkbox" name="missing" value="${i}"> ${esc(m.name)}</label>`).join('')}</fieldset>
      <label for="supplement-note">补正说明（必填）</label><textarea id="supplement-note" rows="3"></textarea><p id="supplement-error" class="alert" role="alert"></p>
      <button type="submit">发送补交告知</button><button type="button" class="secondary" data-close>取消</button></form></dialog>
    <dialog id="special-dialog" aria-labelledby="special-title"><form id="special-form"><h2 id="special-title">特别程序</h2>
      <label for="special-kind">程序</label><select id="special-kind"><option value="hearing">听证</option><option value="expert_review">专家评审</option><option value="inspection">现场勘验</option></select>
      <label for="special-days">时限（工作日）</label><input id="special-days" type="number" min="1" max="365" value="10">
      <label for="special-reason">理由（必填）</label><textarea id="special-reason" rows="3"></textarea><p id="special-error" class="alert" role="alert"></p>
      <button type="submit">启动特别程序</button><button type="button" class="secondary" data-close>取消</button></form></dialog>
    <dialog id="finish-dialog" aria-labelledby="finish-title"><form id="finish-form"><h2 id="finish-title">特别程序结果</h2>
      <label for="finish-result">结果（必填）</label><textarea id="finish-result" rows="3"></textarea><p id="finish-error" class="alert" role="alert"></p>
      <button type="submit">确认结果</button><button type="button" class="secondary" data-close>取消</button></form></dialog>
    <p><a href="#/">返回待办</a></p>`);

  for (const g of main.querySelectorAll('#flowchart g[data-step]')) if (pos.current.includes(g.getAttribute('data-step'))) g.classList.add('current-step');
  for (const b of main.querySelectorAll('button[data-preview]')) b.addEventListener('click', () => { const m = c.materials[Number(b.dataset.preview)]; preview(c.caseId, Number(b.dataset.preview), m, materialLabel(c, m), document.getElementById(`preview-${b.dataset.preview}`)); });
  for (const b of main.querySelectorAll('dialog [data-close]')) b.addEventListener('click', () => b.closest('dialog').close());
  const reload = () => caseDetail(id);
  document.getElementById('retry-certificate')?.addEventListener('click', async () => {
    const res = await api('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/certificate/retry`);
    if (!res.ok) { document.getElementById('retry-result').textContent = problemText(res); return; }
    reload();
  });
  document.getElementById('claim')?.addEventListener('click', async () => {
    const res = await api('POST', `/v1/tasks/${task.taskId}/claim`);
    if (!res.ok) { alert(problemText(res)); }
    reload();
  });
  for (const b of main.querySelectorAll('button[data-action]')) {
    b.addEventListener('click', async () => {
      const reason = document.getElementById('reason').value.trim();
      const needsReason = b.dataset.reason === 'true';
      if (needsReason && reason.length < 2) { document.getElementById('act-error').textContent = '请填写理由'; document.getElementById('reason').focus(); return; }
      if (!confirm(`确认“${b.textContent}”？`)) return;
      const res = await api('POST', `/v1/tasks/${task.taskId}/complete`, { outcome: b.dataset.action, ...(reason ? { opinion: reason } : {}) });
      if (!res.ok) { document.getElementById('act-error').textContent = problemText(res); return; }
      reload();
    });
  }
  const wire = (openId, dialogId, formId, submit) => {
    const dialog = document.getElementById(dialogId);
    document.getElementById(openId)?.addEventListener('click', () => dialog.showModal());
    document.getElementById(formId).addEventListener('submit', async (e) => {
      e.preventDefault();
      const err = await submit();
      if (err) { dialog.querySelector('.alert').textContent = err; return; }
      dialog.close();
      reload();
    });
  };
  wire('open-supplement', 'supplement-dialog', 'supplement-form', async () => {
    const picked = [...main.querySelectorAll('input[name=missing]:checked')].map((x) => c.itemMaterials[Number(x.value)]);
    const note = document.getElementById('supplement-note').value.trim();
    if (!picked.length) return '请勾选所缺材料';
    if (note.length < 2) return '请填写补正说明';
    if (!confirm('确认发送补交告知？办理时限将暂停计算。')) return '已取消';
    const res = await api('POST', `/v1/cases/${c.caseId}/supplement`, { materials: picked.map((m) => ({ materialCode: m.code, name: m.name })), note });
    return res.ok ? null : problemText(res);
  });
  wire('open-special', 'special-dialog', 'special-form', async () => {
    const reason = document.getElementById('special-reason').value.trim();
    if (reason.length < 2) return '请填写理由';
    if (!confirm('确认启动特别程序？办理时限将暂停计算。')) return '已取消';
    const res = await api('POST', `/v1/cases/${c.caseId}/special-procedure`, { kind: document.getElementById('special-kind').value, limitDays: Number(document.getElementById('special-days').value), reason });
    return res.ok ? null : problemText(res);
  });
  wire('open-finish', 'finish-dialog', 'finish-form', async () => {
    const result = document.getElementById('finish-result').value.trim();
    if (result.length < 2) return '请填写结果';
    if (!confirm('确认特别程序结束？办理时限恢复计算。')) return '已取消';
    const res = await api('POST', `/v1/cases/${c.caseId}/special-procedure/finish`, { result });
    return res.ok ? null : problemText(res);
  });
}

// 证照管理: the department's e-certificates over the certificate service, which the extranet
// ingress serves under /certificate/ on this origin. Revocation needs a reason and a confirmation;
// department admins can also rotate the department's signing key.
const CERT_STATUS = { valid: ['有效', 'green'], revoked: ['已注销', 'red'], expired: ['已过期', 'amber'] };
async function certificates(query) {
  if (!session.token) return login();
  const params = new URLSearchParams(query);
  const q = params.get('q') ?? '', status = params.get('status') ?? '', page = pageOf(query);
  const r = await api('GET', `/certificate/v1/certificates?pageSize=${PAGE_SIZE}&page=${page}${q ? `&q=${encodeURIComponent(q)}` : ''}${status ? `&status=${encodeURIComponent(status)}` : ''}`);
  if (!r.ok) return render(`<h1>证照管理</h1><p class="alert" role="alert">${esc(problemText(r))}</p>`);
  const badge = (st) => { const [t, cls] = CERT_STATUS[st] ?? [st, '']; return `<span class="deadline ${cls}">${esc(t)}</span>`; };
  render(`<h1>证照管理</h1><p class="muted">本部门签发的电子证照。注销须填写理由，注销结果同步至互联网核验。</p>
    <form id="cert-search" class="inline" role="search"><label for="cert-q">关键词（持证人、证照标识、办件编号）</label><input id="cert-q" value="${esc(q)}">
    <label for="cert-status">状态</label><select id="cert-status">${[['', '全部'], ['valid', '有效'], ['revoked', '已注销'], ['expired', '已过期']].map(([v, t]) => `<option value="${v}" ${v === status ? 'selected' : ''}>${t}</option>`).join('')}</select><button type="submit">查询</button></form>
    <div class="scroll"><table id="certificates"><thead><tr><th>证照</th><th>持证人</th><th>办件编号</th><th>签发时间</th><th>状态</th><th>操作</th></tr></thead><tbody>
    ${r.data.items.map((c) => `<tr><td>${esc(c.typeName)}<br><span class="muted">${esc(c.id)}</span></td><td>${esc(c.holderName)}</td><td>${esc(c.caseNumber)}</td>
      <td>${new Date(c.issuedAt).toLocaleString('zh-CN')}</td><td>${badge(c.status)}${c.revocationReason ? `<br><span class="muted">${esc(c.revocationReason)}</span>` : ''}</td>
      <td>${c.status === 'revoked' ? '—' : `<button type="button" data-revoke="${esc(c.id)}" data-name="${esc(`${c.typeName}（${c.holderName}）`)}">注销</button>`}</td></tr>`).join('') || '<tr><td colspan="6">没有符合条件的证照</td></tr>'}
    </tbody></table></div>${pager(r.data.total, page, `#/certificates?q=${encodeURIComponent(q)}&status=${encodeURIComponent(status)}`)}
    <form id="revoke-form" hidden><h2 id="revoke-title">注销证照</h2><label for="revoke-reason">注销理由（必填）</label><textarea id="revoke-reason" rows="3" maxlength="500"></textarea>
      <p id="revoke-error" class="alert" role="alert"></p><button type="submit">确认注销</button> <button type="button" id="revoke-cancel">取消</button></form>
    ${isAdmin() ? '<h2>签名密钥</h2><p class="muted">轮换后新签发的证照使用新密钥；旧密钥停止签发，但继续用于核验。</p><button type="button" id="rotate-key">轮换本部门签名密钥</button> <span id="rotate-result" role="status"></span>' : ''}`);
  // Which list is on screen (tests wait for it: a new search re-renders the page asynchronously).
  main.dataset.view = `certificates?${query}`;
  document.getElementById('cert-search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/certificates?q=${encodeURIComponent(document.getElementById('cert-q').value.trim())}&status=${document.getElementById('cert-status').value}`;
  });
  const form = document.getElementById('revoke-form');
  let target = null;
  for (const b of main.querySelectorAll('[data-revoke]')) b.addEventListener('click', () => {
    target = b.dataset.revoke;
    document.getElementById('revoke-title').textContent = `注销证照：${b.dataset.name}`;
    document.getElementById('revoke-error').textContent = '';
    form.hidden = false;
    document.getElementById('revoke-reason').focus();
  });
  document.getElementById('revoke-cancel').addEventListener('click', () => { form.hidden = true; target = null; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = document.getElementById('revoke-reason').value.trim();
    if (reason.length < 2) { document.getElementById('revoke-error').textContent = '请填写注销理由'; return; }
    if (!confirm('注销后该证照不能再用于办事，确认注销？')) return;
    const res = await api('POST', `/certificate/v1/certificates/${encodeURIComponent(target)}/revoke`, { reason });
    if (!res.ok) { document.getElementById('revoke-error').textContent = problemText(res); return; }
    route();
  });
  document.getElementById('rotate-key')?.addEventListener('click', async () => {
    if (!confirm('确认轮换本部门签名密钥？')) return;
    const res = await api('POST', '/certificate/v1/keys/rotate', {});
    document.getElementById('rotate-result').textContent = res.ok ? `已启用新密钥 ${res.data.kid}（${res.data.algorithm}）` : problemText(res);
  });
}

// 证照定义: the catalog's issuer records (发证机关) and certificate types (证照类型), over the catalog,
// which the extranet ingress serves under /catalog/ on this origin. A catalog administrator registers
// or changes a department's issuer record and fixes a type's issuing departments or data schema here
// (each save is a new version the catalog sends to the certificate service); a department admin then
// retries a case's failed certificate (重新制证).
const HOLDER_KIND = { person: '自然人', legal_person: '法人' };
const KEY_POLICY = { on_first_use: '首次签发时生成', admin: '由管理员生成' };
const isCatalogAdmin = () => (session.principal?.roles ?? []).includes('catalog_admin');
async function certificateDefinitions() {
  if (!session.token) return login();
  const [issuers, types] = await Promise.all([api('GET', '/catalog/v1/issuers'), api('GET', '/catalog/v1/certificate-types')]);
  if (!issuers.ok || !types.ok) return render(`<h1>证照定义</h1><p class="alert" role="alert">${esc(problemText(issuers.ok ? types : issuers))}</p>`);
  const issuerName = new Map(issuers.data.items.map((x) => [x.department, x.name]));
  const editable = isCatalogAdmin();
  render(`<h1>证照定义</h1><p class="muted">事项目录中的发证机关和证照类型。保存后发送至证照服务；因定义有误制证失败的办件，由部门管理员在办件页“重新制证”。</p>
    <h2 id="h-issuers">发证机关</h2><div class="scroll"><table id="issuers" aria-labelledby="h-issuers"><thead><tr><th>部门编码</th><th>名称</th><th>统一社会信用代码</th><th>签名密钥</th><th>版本</th>${editable ? '<th>操作</th>' : ''}</tr></thead><tbody>
    ${issuers.data.items.map((x) => `<tr data-department="${esc(x.department)}"><td>${esc(x.department)}</td><td>${esc(x.name)}</td><td>${esc(x.creditCode)}</td><td>${esc(KEY_POLICY[x.keyPolicy] ?? x.keyPolicy)}</td><td>${x.version}</td>
      ${editable ? `<td><button type="button" data-edit-issuer="${esc(x.department)}" aria-label="修改${esc(x.name)}">修改</button></td>` : ''}</tr>`).join('') || `<tr><td colspan="${editable ? 6 : 5}">暂无发证机关</td></tr>`}
    </tbody></table></div>
    ${editable ? '<p><button type="button" id="new-issuer" class="secondary">登记发证机关</button></p>' : ''}
    <form id="issuer-form" hidden aria-labelledby="issuer-title"><h2 id="issuer-title">登记发证机关</h2>
      <label for="issuer-department">部门编码</label><input id="issuer-department" autocomplete="off">
      <label for="issuer-name">发证机关名称</label><input id="issuer-name" autocomplete="off">
      <label for="issuer-credit">统一社会信用代码（18 位）</label><input id="issuer-credit" autocomplete="off" maxlength="18">
      <label for="issuer-key-policy">签名密钥</label><select id="issuer-key-policy">${Object.entries(KEY_POLICY).map(([v, t]) => `<option value="${v}">${t}</option>`).join('')}</select>
      <p id="issuer-error" class="alert" role="alert"></p><button type="submit">保存并发送至证照服务</button><button type="button" class="secondary" id="issuer-cancel">取消</button></form>
    <p id="issuer-result" class="notice" role="status"></p>
    <h2 id="h-types">证照类型</h2><div class="scroll"><table id="certificate-types" aria-labelledby="h-types"><thead><tr><th>编码</th><th>名称</th><th>类型代码</th><th>持证人</th><th>发证部门</th><th>版本</th>${editable ? '<th>操作</th>' : ''}</tr></thead><tbody>
    ${types.data.items.map((t) => `<tr data-code="${esc(t.code)}"><td>${esc(t.code)}</td><td>${esc(t.name)}</td><td>${esc(t.typeCode)}</td><td>${esc(HOLDER_KIND[t.holderKind] ?? t.holderKind)}</td>
      <td>${t.issuers.length ? t.issuers.map((d) => `${esc(issuerName.get(d) ?? d)}（${esc(d)}）${issuerName.has(d) ? '' : ' <span class="deadline red">无发证机关记录</span>'}`).join('<br>') : '不限'}</td><td>${t.version}</td>
      ${editable ? `<td><button type="button" data-edit-type="${esc(t.code)}" aria-label="修改${esc(t.name)}">修改</button></td>` : ''}</tr>`).join('') || `<tr><td colspan="${editable ? 7 : 6}">暂无证照类型</td></tr>`}
    </tbody></table></div>
    ${editable ? '' : '<p class="muted">修改证照定义须由目录管理员办理。</p>'}
    <form id="type-form" hidden aria-labelledby="type-title"><h2 id="type-title">修改证照类型</h2>
      <label for="type-issuers">发证部门（部门编码，以逗号分隔；留空表示不限）</label><input id="type-issuers" autocomplete="off">
      <label for="type-schema">签发数据规范（JSON Schema）</label><textarea id="type-schema" rows="14" spellcheck="false"></textarea>
      <p id="type-error" class="alert" role="alert"></p><button type="submit">保存并发送至证照服务</button><button type="button" class="secondary" id="type-cancel">取消</button></form>
    <p id="type-result" class="notice" role="status"></p>`);
  main.dataset.view = 'certificate-definitions';
  wireIssuerForm(issuers.data.items);
  const form = document.getElementById('type-form');
  let editing = null;
  for (const b of main.querySelectorAll('button[data-edit-type]')) {
    b.addEventListener('click', () => {
      editing = types.data.items.find((t) => t.code === b.dataset.editType);
      document.getElementById('type-title').textContent = `修改证照类型：${editing.name}（${editing.code}）`;
      document.getElementById('type-issuers').value = editing.issuers.join(', ');
      document.getElementById('type-schema').value = JSON.stringify(editing.schema, null, 2);
      document.getElementById('type-error').textContent = '';
      form.hidden = false;
      document.getElementById('type-issuers').focus();
    });
  }
  document.getElementById('type-cancel').addEventListener('click', () => { form.hidden = true; editing = null; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = document.getElementById('type-error');
    const issuerCodes = document.getElementById('type-issuers').value.split(/[,，;；\s]+/).filter(Boolean);
    const unknown = issuerCodes.filter((d) => !issuerName.has(d));
    if (unknown.length) { error.textContent = `部门 ${unknown.join('、')} 没有发证机关记录`; document.getElementById('type-issuers').focus(); return; }
    let schema;
    try { schema = JSON.parse(document.getElementById('type-schema').value); } catch { schema = null; }
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) { error.textContent = '签发数据规范须为 JSON 对象'; document.getElementById('type-schema').focus(); return; }
    const { code, version: _version, updatedAt: _updatedAt, ...definition } = editing;
    const res = await api('PUT', `/catalog/v1/certificate-types/${encodeURIComponent(code)}`, { ...definition, issuers: issuerCodes, schema });
    if (!res.ok) { error.textContent = problemText(res); return; }
    await certificateDefinitions();
    document.getElementById('type-result').textContent = `已保存${res.data.name}（第 ${res.data.version} 版），已发送至证照服务`;
  });
}

/** 发证机关: registering (new department) or changing an issuer record, checked here as the catalog checks it. */
function wireIssuerForm(items) {
  const form = document.getElementById('issuer-form');
  const field = (id) => document.getElementById(id);
  const open = (x) => {
    field('issuer-title').textContent = x ? `修改发证机关：${x.name}（${x.department}）` : '登记发证机关';
    field('issuer-department').value = x?.department ?? '';
    field('issuer-department').readOnly = Boolean(x);
    field('issuer-name').value = x?.name ?? '';
    field('issuer-credit').value = x?.creditCode ?? '';
    field('issuer-key-policy').value = x?.keyPolicy ?? 'on_first_use';
    field('issuer-error').textContent = '';
    form.hidden = false;
    field(x ? 'issuer-name' : 'issuer-department').focus();
  };
  field('new-issuer')?.addEventListener('click', () => open(null));
  for (const b of main.querySelectorAll('button[data-edit-issuer]')) b.addEventListener('click', () => open(items.find((x) => x.department === b.dataset.editIssuer)));
  field('issuer-cancel').addEventListener('click', () => { form.hidden = true; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const department = field('issuer-department').value.trim(), name = field('issuer-name').value.trim(), creditCode = field('issuer-credit').value.trim().toUpperCase();
    const fail = (id, text) => { field('issuer-error').textContent = text; field(id).focus(); };
    if (!/^[a-z0-9-]{2,64}$/.test(department)) return fail('issuer-department', '部门编码须为 2–64 位小写字母、数字或连字符');
    if (name.length < 2) return fail('issuer-name', '请填写发证机关名称');
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(creditCode)) return fail('issuer-credit', '统一社会信用代码须为 18 位数字或大写字母（不含 I、O、S、V、Z）');
    const res = await api('PUT', `/catalog/v1/issuers/${encodeURIComponent(department)}`, { name, creditCode, keyPolicy: field('issuer-key-policy').value });
    if (!res.ok) return fail('issuer-name', problemText(res));
    await certificateDefinitions();
    field('issuer-result').textContent = `已保存发证机关${res.data.name}（第 ${res.data.version} 版），已发送至证照服务`;
  });
}

function route() {
  navigation.start();
  showWho();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean);
  for (const a of nav.querySelectorAll('a')) a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${parts[0] ?? ''}`);
  if (parts[0] === 'login') return login();
  if (parts[0] === 'case') return caseDetail(decodeURIComponent(parts[1]));
  if (parts[0] === 'search') return search(query);
  if (parts[0] === 'department') return department(query);
  if (parts[0] === 'certificates') return certificates(query);
  if (parts[0] === 'certificate-definitions') return certificateDefinitions();
  return inbox(query);
}
window.addEventListener('hashchange', route);
route();

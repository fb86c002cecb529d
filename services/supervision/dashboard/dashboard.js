// The supervisors' dashboard (电子监察): live counts and warnings by department, the four rates over
// time (Chart.js), warnings, anomaly hits, rectification tasks and the audit chain check, over
// supervision's API (same origin) and the staff identity realm (under /auth/ behind the ingress).
const main = document.getElementById('main');
const who = document.getElementById('who');
const nav = document.getElementById('nav');
const logoutButton = document.getElementById('logout');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const session = {
  get token() { return sessionStorage.getItem('supervision-token'); },
  get principal() { return JSON.parse(sessionStorage.getItem('supervision-principal') ?? 'null'); },
  set(t, p) { sessionStorage.setItem('supervision-token', t); sessionStorage.setItem('supervision-principal', JSON.stringify(p)); },
  clear() { sessionStorage.removeItem('supervision-token'); sessionStorage.removeItem('supervision-principal'); },
};
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
  who.textContent = p ? `${p.name}（监察）` : '';
  logoutButton.hidden = !p;
  nav.hidden = !p;
}
logoutButton.addEventListener('click', () => { session.clear(); showWho(); location.hash = '#/login'; });
const when = (s) => (s ? new Date(s).toLocaleString('zh-CN', { hour12: false }) : '');
const pct = (r) => (r && r.rate !== null ? `${(r.rate * 100).toFixed(1)}%` : '—');
const LEVEL = { yellow: '<span class="badge yellow">黄牌</span>', red: '<span class="badge red">红牌</span>' };
const RESOLUTION = { completed_in_time: '按期办结', completed_late: '超期办结', rejected: '不予受理', withdrawn: '已撤回', step_completed: '环节已完成' };
const scopeText = (s) => (s === 'case' ? '承诺时限' : `环节 ${esc(s.slice(5))}`);

function login() {
  render(`<h1>监察人员登录</h1><form id="login"><label for="username">用户名</label><input id="username" autocomplete="username" required>
    <label for="password">密码</label><input id="password" type="password" autocomplete="current-password" required>
    <p id="login-error" class="alert" role="alert"></p><button type="submit">登录</button></form>`);
  document.getElementById('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/auth/v1/auth/login', { username: document.getElementById('username').value, password: document.getElementById('password').value });
    if (!r.ok) { document.getElementById('login-error').textContent = r.data?.title ?? '登录失败'; return; }
    if (!(r.data.principal.roles ?? []).includes('supervisor')) { document.getElementById('login-error').textContent = '该账号不是监察人员，无权使用电子监察平台'; return; }
    session.set(r.data.accessToken, r.data.principal);
    showWho();
    location.hash = '#/';
  });
}

async function overview() {
  const [o, w] = await Promise.all([api('GET', '/v1/overview'), api('GET', '/v1/warnings?status=open&pageSize=20')]);
  if (!o.ok) return render(`<p class="alert" role="alert">${esc(o.data?.title ?? '加载失败')}</p>`);
  const d = o.data.departments;
  const sum = (k) => d.reduce((n, x) => n + x[k], 0);
  render(`<h1>监察总览 <small>${esc(o.data.date)}</small></h1>
    <div class="cards" id="cards">
      <div class="card"><div class="n" id="total-open">${sum('open')}</div><div class="t">在办件</div></div>
      <div class="card"><div class="n">${sum('completedToday')}</div><div class="t">今日办结</div></div>
      <div class="card"><div class="n" id="total-yellow">${sum('yellow')}</div><div class="t">黄牌预警</div></div>
      <div class="card"><div class="n" id="total-red">${sum('red')}</div><div class="t">红牌警告</div></div>
      <div class="card"><div class="n">${sum('anomalies')}</div><div class="t">异常行为</div></div>
      <div class="card"><div class="n">${sum('openRectifications')}</div><div class="t">待整改差评</div></div>
    </div>
    <h2>各部门办件与预警</h2>
    <div class="table-wrap"><table id="departments"><caption class="skip">各部门办件与预警</caption><thead><tr><th>部门</th><th class="num">在办</th><th class="num">今日办结</th><th class="num">黄牌</th><th class="num">红牌</th><th class="num">异常</th><th class="num">待整改</th></tr></thead><tbody>
    ${d.map((x) => `<tr><td>${esc(x.departmentName)}</td><td class="num">${x.open}</td><td class="num">${x.completedToday}</td><td class="num">${x.yellow}</td><td class="num">${x.red}</td><td class="num">${x.anomalies}</td><td class="num">${x.openRectifications}</td></tr>`).join('') || '<tr><td colspan="7">暂无数据</td></tr>'}
    </tbody></table></div>
    <h2>当前预警</h2>${warningTable(w.data?.items ?? [])}`);
}

function warningTable(items) {
  return `<div class="table-wrap"><table class="warnings"><thead><tr><th>级别</th><th>办件编号</th><th>部门</th><th>时限</th><th class="num">已用/时限（工作日）</th><th>到期日</th><th>责任人</th><th>发出时间</th><th>处理结果</th></tr></thead><tbody>
    ${items.map((x) => `<tr><td>${LEVEL[x.level] ?? esc(x.level)}</td><td><a href="#/case/${encodeURIComponent(x.caseNumber)}">${esc(x.caseNumber)}</a></td><td>${esc(x.departmentName ?? x.department)}</td><td>${scopeText(x.scope)}</td><td class="num">${x.usedDays}/${x.limitDays}</td><td>${esc(x.dueDate)}</td><td>${esc(x.responsible)}</td><td>${when(x.raisedAt)}</td><td>${x.resolvedAt ? `${esc(RESOLUTION[x.resolution] ?? x.resolution)}（${when(x.resolvedAt)}）` : '<span class="badge yellow">未处理</span>'}</td></tr>`).join('') || '<tr><td colspan="9">暂无预警</td></tr>'}
    </tbody></table></div>`;
}

async function warnings(q) {
  const status = new URLSearchParams(q).get('status') ?? 'all';
  const r = await api('GET', `/v1/warnings?status=${status}&pageSize=100`);
  render(`<h1>时限预警</h1><nav aria-label="预警状态">${[['all', '全部'], ['open', '未处理'], ['resolved', '已处理']].map(([s, t]) => `<a href="#/warnings?status=${s}" ${s === status ? 'aria-current="page"' : ''}>${t}</a>`).join(' · ')}</nav>
    ${warningTable(r.data?.items ?? [])}<p>共 ${r.data?.total ?? 0} 条</p>`);
}

async function anomalies() {
  const r = await api('GET', '/v1/anomalies?pageSize=100');
  render(`<h1>异常行为</h1><div class="table-wrap"><table><thead><tr><th>规则</th><th>办件编号</th><th>部门</th><th>经办人</th><th>发现时间</th><th>详情</th></tr></thead><tbody>
    ${(r.data?.items ?? []).map((a) => `<tr><td>${esc(a.title)}${a.retractedAt ? ' <span class="badge ok">已撤销</span>' : ''}</td><td><a href="#/case/${encodeURIComponent(a.caseNumber)}">${esc(a.caseNumber)}</a></td><td>${esc(a.department)}</td><td>${esc(a.actor)}</td><td>${when(a.detectedAt)}</td><td><code>${esc(JSON.stringify(a.detail))}</code></td></tr>`).join('') || '<tr><td colspan="6">暂无异常</td></tr>'}
    </tbody></table></div>`);
}

async function rectifications() {
  const r = await api('GET', '/v1/rectifications?pageSize=100');
  render(`<h1>差评整改</h1><div class="table-wrap"><table><thead><tr><th>办件编号</th><th>部门</th><th>评价</th><th>意见</th><th>整改期限</th><th>状态</th><th>整改结果</th></tr></thead><tbody>
    ${(r.data?.items ?? []).map((x) => `<tr><td>${esc(x.caseNumber)}</td><td>${esc(x.department)}</td><td>${'★'.repeat(x.level)}</td><td>${esc(x.comment)}</td><td>${esc(x.deadline)}</td><td>${x.status === 'open' ? (x.overdue ? '<span class="badge red">逾期未整改</span>' : '<span class="badge yellow">整改中</span>') : '<span class="badge ok">已整改</span>'}</td><td>${esc(x.result)}</td></tr>`).join('') || '<tr><td colspan="7">暂无差评</td></tr>'}
    </tbody></table></div>`);
}

async function caseView(caseNumber) {
  const r = await api('GET', `/v1/cases/${encodeURIComponent(caseNumber)}/timeline`);
  if (!r.ok) return render(`<p class="alert" role="alert">${esc(r.data?.title ?? '加载失败')}</p>`);
  const c = r.data;
  render(`<h1>办件 ${esc(c.caseNumber)}</h1><p>状态：${esc(c.state?.status)}　承诺时限：${c.state?.promisedDays ?? '—'} 个工作日</p>
    <h2>全过程</h2><ol>${c.events.map((e) => `<li>${when(e.occurredAt)} ${esc(e.stage ?? e.type)} ${esc(e.payload?.action ?? '')} ${esc(e.payload?.actor ?? '')}${e.payload?.reason ? `（${esc(e.payload.reason)}）` : ''}</li>`).join('')}</ol>
    <h2>预警</h2>${warningTable(c.warnings)}
    <h2>异常</h2><ul>${c.anomalies.map((a) => `<li>${esc(a.title)}（${when(a.detectedAt)}）</li>`).join('') || '<li>无</li>'}</ul>`);
}

const RATES = [['entry', '事项进驻率'], ['online', '网上办理率'], ['onTime', '限时办结率'], ['satisfaction', '服务满意率']];
const charts = [];
async function rates(q) {
  const params = new URLSearchParams(q);
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const from = params.get('from') ?? `${today.slice(0, 4)}-01-01`;
  const to = params.get('to') ?? today;
  const groupBy = params.get('groupBy') ?? 'department';
  const bucket = params.get('bucket') ?? 'month';
  const r = await api('GET', `/v1/rates?from=${from}&to=${to}&groupBy=${groupBy}&bucket=${bucket}`);
  const items = r.data?.items ?? [];
  const periods = [...new Set(items.map((x) => x.period))];
  const groups = [...new Map(items.map((x) => [x.group, x.groupName]))];
  render(`<h1>四率统计</h1>
    <form class="inline" id="rate-form"><label>开始日期 <input type="date" name="from" value="${esc(from)}"></label><label>结束日期 <input type="date" name="to" value="${esc(to)}"></label>
    <label>统计维度 <select name="groupBy"><option value="department" ${groupBy === 'department' ? 'selected' : ''}>按部门</option><option value="hall" ${groupBy === 'hall' ? 'selected' : ''}>按大厅</option></select></label>
    <label>周期 <select name="bucket"><option value="month" ${bucket === 'month' ? 'selected' : ''}>按月</option><option value="day" ${bucket === 'day' ? 'selected' : ''}>按日</option><option value="all" ${bucket === 'all' ? 'selected' : ''}>合计</option></select></label><button type="submit">统计</button></form>
    ${r.ok ? '' : `<p class="alert" role="alert">${esc(r.data?.title ?? '加载失败')}</p>`}
    <div class="charts">${RATES.map(([k, t]) => `<figure><figcaption><strong>${t}</strong></figcaption><div class="chart-box"><canvas id="chart-${k}" role="img" aria-label="${t}随时间变化，数值见下方明细表"></canvas></div></figure>`).join('')}</div>
    <h2>明细</h2><div class="table-wrap"><table id="rates"><thead><tr><th>${groupBy === 'hall' ? '大厅' : '部门'}</th><th>周期</th>${RATES.map(([, t]) => `<th class="num">${t}</th>`).join('')}</tr></thead><tbody>
    ${items.map((x) => `<tr><td>${esc(x.groupName)}</td><td>${esc(x.period)}</td>${RATES.map(([k]) => `<td class="num" title="${x[k].numerator}/${x[k].denominator}">${pct(x[k])}（${x[k].numerator}/${x[k].denominator}）</td>`).join('')}</tr>`).join('') || '<tr><td colspan="6">暂无数据</td></tr>'}
    </tbody></table></div>`);
  document.getElementById('rate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/rates?${new URLSearchParams(new FormData(e.target)).toString()}`;
  });
  while (charts.length) charts.pop().destroy();
  if (!window.Chart) return; // the chart library is missing: the table above carries the same numbers
  const palette = ['#0d3b66', '#c0392b', '#1b5e20', '#8a6d00', '#6a1b9a', '#00695c', '#ad1457', '#37474f'];
  for (const [k, t] of RATES) {
    charts.push(new window.Chart(document.getElementById(`chart-${k}`), {
      type: 'line',
      data: { labels: periods, datasets: groups.map(([g, name], i) => ({ label: name, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: true, data: periods.map((p) => { const x = items.find((y) => y.group === g && y.period === p); return x && x[k].rate !== null ? Math.round(x[k].rate * 1000) / 10 : null; }) })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { labels: { boxWidth: 12 } } }, scales: { y: { min: 0, max: 100, title: { display: true, text: t + '（%）' } } } },
    }));
  }
}

async function chain() {
  render('<h1>审计链校验</h1><p>正在校验…</p>');
  const r = await api('GET', '/v1/chain/verify');
  if (!r.ok) return render(`<p class="alert" role="alert">${esc(r.data?.title ?? '校验失败')}</p>`);
  const c = r.data;
  render(`<h1>审计链校验</h1><p id="chain-result" class="${c.ok ? 'notice' : 'alert'}" role="status">${c.ok ? '审计链完整，未发现篡改' : `发现 ${c.problems.length} 处问题`}（共 ${c.entries} 条链记录，${c.records} 条监察记录）</p>
    <ul>${c.problems.map((p) => `<li>${esc(p.message)}</li>`).join('')}</ul>`);
}

async function route() {
  showWho();
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  if (path === '/login' || !session.token) return login();
  if (path === '/rates') return rates(query);
  if (path === '/warnings') return warnings(query);
  if (path === '/anomalies') return anomalies();
  if (path === '/rectifications') return rectifications();
  if (path === '/chain') return chain();
  if (path?.startsWith('/case/')) return caseView(decodeURIComponent(path.slice(6)));
  return overview();
}
window.addEventListener('hashchange', route);
route();
// The overview is live: refreshed every 30 s while it is shown.
// Skipped while the user is in a control, so the refresh never takes keyboard focus away.
setInterval(() => { if (session.token && (location.hash === '' || location.hash === '#/') && (document.activeElement === main || document.activeElement === document.body)) overview(); }, 30_000);

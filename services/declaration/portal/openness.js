// 政务公开, 投诉 and 网上缴费 pages of the portal (issue 13). Registered on portal.js's router:
//   #/openness[?category=&q=]   lists and search (通知公告, 政策法规, 新闻动态, 结果公示) and the Atom feed
//   #/openness/<id>             one article
//   #/complaint                 file a complaint (实名 with login, or 匿名 with a tracking code)
//   #/complaint-track[?code=]   follow a complaint by its tracking code (查询码)
//   #/payments                  my payment orders (待缴费 → 支付 at the provider's cashier → 电子票据)
const { api, fetch: portalFetch, render, esc, session, registerRoute } = window.hallPortal;

const CATEGORIES = [['', '全部'], ['notice', '通知公告'], ['policy', '政策法规'], ['news', '新闻动态'], ['result', '结果公示']];
const day = (iso) => (iso ? new Date(iso).toLocaleDateString('zh-CN') : '');
const when = (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '');
const problem = (r, fallback) => `${r.data?.title ?? fallback}${r.data?.detail ? `：${r.data.detail}` : ''}`;
const newKey = () => `k-${crypto.randomUUID()}`;
const main = () => document.getElementById('main');

async function list(query) {
  const q = new URLSearchParams(query);
  // Only a known category: the value comes from the address bar and is written back into links.
  const category = CATEGORIES.some(([c]) => c && c === q.get('category')) ? q.get('category') : '';
  const text = q.get('q') ?? '';
  const params = new URLSearchParams({ pageSize: '20', ...(category ? { category } : {}), ...(text ? { q: text } : {}) });
  const r = await api('GET', `/v1/openness/articles?${params}`);
  const items = r.data?.items ?? [];
  render(`<h1>政务公开</h1>
    <nav class="tabs" aria-label="公开类别">${CATEGORIES.map(([c, name]) => `<a href="#/openness${c ? `?category=${c}` : ''}" ${c === category ? 'aria-current="page"' : ''}>${name}</a>`).join('')}</nav>
    <form id="openness-search" role="search" class="row">
      <label for="openness-q">搜索公开信息</label>
      <input id="openness-q" name="q" type="search" value="${esc(text)}" placeholder="标题、文号或正文关键词">
      <button type="submit">搜索</button>
    </form>
    <ul class="items" id="openness-list">${items.map((a) => `<li><a href="#/openness/${a.id}">${esc(a.title)}</a><br>
      <span class="help">${esc(a.categoryText)}${a.docNumber ? ` · ${esc(a.docNumber)}` : ''}${a.departmentName ? ` · ${esc(a.departmentName)}` : ''} · ${day(a.publishedAt)}</span></li>`).join('') || '<li>暂无公开信息</li>'}</ul>
    <p class="help">共 ${r.data?.total ?? 0} 条 · <a href="/v1/openness/feed.atom${category ? `?category=${encodeURIComponent(category)}` : ''}">订阅（Atom）</a></p>`);
  document.getElementById('openness-search').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = document.getElementById('openness-q').value.trim();
    location.hash = `#/openness?${new URLSearchParams({ ...(category ? { category } : {}), ...(v ? { q: v } : {}) })}`;
  });
}

async function detail(id) {
  const r = await api('GET', `/v1/openness/articles/${encodeURIComponent(id)}`);
  if (!r.ok) { render(`<p class="alert" role="alert">${esc(problem(r, '公开信息不存在'))}</p><p><a href="#/openness">返回政务公开</a></p>`); return; }
  const a = r.data;
  const result = a.result ? `<dl class="guide"><dt>办件编号</dt><dd>${esc(a.result.caseNumber)}</dd><dt>事项</dt><dd>${esc(a.result.itemName)}</dd>
    <dt>申请人</dt><dd>${esc(a.result.applicantMasked)}</dd><dt>办理结果</dt><dd>${esc(a.result.decision)}</dd><dt>决定日期</dt><dd>${day(a.result.decidedAt)}</dd></dl>` : '';
  render(`<article><h1 id="article-title">${esc(a.title)}</h1>
    <p class="help">${esc(a.categoryText)}${a.docNumber ? ` · ${esc(a.docNumber)}` : ''}${a.departmentName ? ` · ${esc(a.departmentName)}` : ''} · 发布于 ${when(a.publishedAt)}</p>
    ${result}<div class="article-body">${esc(a.body).split('\n').map((p) => `<p>${p}</p>`).join('')}</div>
    ${a.attachments.length ? `<h2>附件</h2><ul class="items" id="attachments">${a.attachments.map((f) => `<li><a href="${esc(f.url)}" download="${esc(f.fileName)}">${esc(f.fileName)}</a> <span class="help">${(f.size / 1024).toFixed(0)} KB</span></li>`).join('')}</ul>` : ''}</article>
    <p><a href="#/openness?category=${encodeURIComponent(a.category)}">返回${esc(a.categoryText)}</a></p>`);
}

async function complaint(query) {
  const q = new URLSearchParams(query);
  const loggedIn = Boolean(session.token);
  render(`<h1>我要投诉</h1>
    <p class="help">对办件、部门或工作人员的行政行为不满意，可在此投诉。匿名投诉无需登录，提交后请保存查询码以查看答复。</p>
    <form id="complaint-form" novalidate>
      <fieldset><legend>投诉对象</legend>
        <label class="inline"><input type="radio" name="targetKind" value="case" ${q.get('case') ? 'checked' : ''}> 办件</label>
        <label class="inline"><input type="radio" name="targetKind" value="department" ${q.get('case') ? '' : 'checked'}> 部门</label>
        <label class="inline"><input type="radio" name="targetKind" value="staff"> 工作人员</label>
      </fieldset>
      <label for="c-case">办件编号</label><input id="c-case" name="caseNumber" value="${esc(q.get('case') ?? '')}" autocomplete="off">
      <label for="c-dept">部门代码</label><input id="c-dept" name="department" placeholder="如 gy-wjw" autocomplete="off">
      <label for="c-staff">工作人员姓名</label><input id="c-staff" name="staffName" autocomplete="off">
      <label for="c-category">投诉类别</label>
      <select id="c-category" name="category"><option value="attitude">服务态度</option><option value="delay">超时办理</option><option value="fees">违规收费</option><option value="procedure">办事程序</option><option value="integrity">廉洁问题</option><option value="other">其他</option></select>
      <label for="c-content">投诉内容（至少 5 个字）</label><textarea id="c-content" name="content" rows="5" required minlength="5" maxlength="5000"></textarea>
      <label for="c-phone">联系电话（选填，仅实名投诉）</label><input id="c-phone" name="phone" type="tel" autocomplete="tel">
      <label class="inline"><input id="c-anonymous" type="checkbox" name="anonymous" ${loggedIn ? '' : 'checked'}> 匿名投诉</label>
      <p class="actions"><button type="submit" id="complaint-submit">提交投诉</button></p>
      <p id="complaint-result" aria-live="polite"></p>
    </form>
    <p><a href="#/complaint-track">用查询码查看投诉答复</a></p>`);
  const form = document.getElementById('complaint-form');
  const key = newKey();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const body = { targetKind: f.get('targetKind'), category: f.get('category'), content: String(f.get('content') ?? '').trim(), anonymous: f.get('anonymous') === 'on' };
    for (const k of ['caseNumber', 'department', 'staffName', 'phone']) { const v = String(f.get(k) ?? '').trim(); if (v && !(k === 'phone' && body.anonymous)) body[k] = v; }
    const headers = { 'idempotency-key': key };
    const r = body.anonymous
      ? await fetch('/v1/complaints', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => ({ ok: res.ok, status: res.status, data: await res.json().catch(() => null) }))
      : await api('POST', '/v1/complaints', body, headers);
    const out = document.getElementById('complaint-result');
    if (!r.ok) { out.className = 'alert'; out.setAttribute('role', 'alert'); out.textContent = r.status === 400 && r.data?.errors ? '请检查投诉内容（至少 5 个字）及投诉对象' : problem(r, '提交失败'); return; }
    out.className = 'notice';
    out.innerHTML = `投诉已提交。查询码：<strong id="tracking-code">${esc(r.data.trackingCode)}</strong>（请妥善保存）。<a href="#/complaint-track?code=${esc(r.data.trackingCode)}">查看处理进度</a>`;
    document.getElementById('complaint-submit').disabled = true;
  });
}

async function track(query) {
  const code = new URLSearchParams(query).get('code') ?? '';
  let result = '';
  if (code) {
    const r = await api('GET', `/v1/complaints/track/${encodeURIComponent(code)}`);
    result = r.ok
      ? `<dl class="guide" id="complaint-status"><dt>状态</dt><dd><span class="status ${r.data.status === 'answered' ? 'completed' : ''}">${esc(r.data.statusText)}</span></dd>
         <dt>提交时间</dt><dd>${when(r.data.filedAt)}</dd><dt>投诉内容</dt><dd>${esc(r.data.content)}</dd>
         ${r.data.answer ? `<dt>处理结论</dt><dd>${esc(r.data.outcomeText)}</dd><dt>答复</dt><dd class="answer">${esc(r.data.answer)}</dd>` : ''}</dl>`
      : `<p class="alert" role="alert">${esc(problem(r, '未找到该投诉'))}</p>`;
  }
  render(`<h1>投诉查询</h1><form id="track-form" class="row"><label for="t-code">查询码</label><input id="t-code" value="${esc(code)}" placeholder="TS 开头的 14 位查询码" autocomplete="off"><button type="submit">查询</button></form>${result}`);
  document.getElementById('track-form').addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/complaint-track?code=${encodeURIComponent(document.getElementById('t-code').value.trim().toUpperCase())}`; });
}

async function receipt(orderId) {
  // With a renewed token and the party acted for, like every portal request.
  const res = await portalFetch(`/v1/payments/${orderId}/receipt.pdf`);
  if (!res.ok) { main().insertAdjacentHTML('afterbegin', '<p class="alert" role="alert">电子票据下载失败，请稍后再试</p>'); return; }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = `电子票据-${orderId}.pdf`;
  a.click();
  URL.revokeObjectURL(a.href);
}

async function payments() {
  if (!session.token) { location.hash = `#/login?next=${encodeURIComponent('#/payments')}`; return; }
  const r = await api('GET', '/v1/payments');
  const items = r.data?.items ?? [];
  render(`<h1>网上缴费</h1><ul class="items" id="payments">${items.map((o) => `<li><strong>${esc(o.itemName)}</strong> <span class="status ${o.status === 'paid' ? 'completed' : o.status === 'pending' ? 'payment_pending' : ''}" data-order-status="${o.orderId}">${esc(o.statusText)}</span><br>
      <span class="help">办件编号 ${esc(o.caseNumber)} · ${esc(o.departmentName ?? '')} · 应缴 ${esc(o.amountText)}</span>
      <ul>${o.lines.map((l) => `<li>${esc(l.name)}：¥${(l.amountFen / 100).toFixed(2)}</li>`).join('')}</ul>
      ${o.status === 'pending' ? `<button type="button" data-pay="${o.orderId}">立即缴费</button>` : ''}
      ${o.receiptNo ? `<button type="button" class="secondary" data-receipt="${o.orderId}">下载电子票据（${esc(o.receiptNo)}）</button>` : ''}</li>`).join('') || '<li>暂无缴费单</li>'}</ul>`);
  for (const b of main().querySelectorAll('[data-pay]')) b.addEventListener('click', async () => {
    const p = await api('POST', `/v1/payments/${b.dataset.pay}/pay`, {});
    if (!p.ok) { main().insertAdjacentHTML('afterbegin', `<p class="alert" role="alert">${esc(problem(p, '无法发起支付'))}</p>`); return; }
    location.href = p.data.payUrl; // the provider's cashier (收银台); it links back to #/payments
  });
  for (const b of main().querySelectorAll('[data-receipt]')) b.addEventListener('click', () => receipt(b.dataset.receipt));
}

registerRoute('openness', (parts, query) => (parts[1] ? detail(parts[1]) : list(query)));
registerRoute('complaint', (_p, query) => complaint(query));
registerRoute('complaint-track', (_p, query) => track(query));
registerRoute('payments', () => payments());
// portal.js may have routed before this module registered its pages: route again for ours.
if (/^#\/(openness|complaint|complaint-track|payments)\b/.test(location.hash)) window.dispatchEvent(new HashChangeEvent('hashchange'));

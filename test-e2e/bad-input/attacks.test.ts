/**
 * Bad-input suite, targeted attacks on real services (declaration, identity public realm, approval):
 * JWT attacks on every protected route, a replayed refresh token, IDOR across applicants and across
 * departments (property-based over every route with a path parameter), upload bombs and polyglots,
 * and requests only a raw socket can send (CR/LF in headers, smuggling, header overflow, raw path
 * traversal). Invariant everywhere: 4xx problem+json with a stable code, no 5xx, no data changed.
 * Reproduce: FUZZ_SEED=<seed printed below> pnpm -s test:jest test-e2e/bad-input/attacks.test.ts
 */
import net from 'node:net';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { waitFor } from '@hall/testkit';
import { attackAuthorizations, fuzzSeed, routesOf, snapshotter, violation, type Answer, type Injector } from '../src/fuzz.js';
import { bodyArbitrary } from '../src/hostile.js';
import { DECLARATION_BACKGROUND_TABLES } from './principals.js';

const SEED = fuzzSeed();
beforeAll(() => { process.stdout.write(`bad-input attacks: seed ${SEED} (FUZZ_SEED=${SEED} to reproduce)\n`); });

type Declaration = Awaited<ReturnType<typeof import('../../services/declaration/test/helpers.js')['startDeclaration']>>;
type Approval = Awaited<ReturnType<typeof import('../../services/approval/test/helpers.js')['startApproval']>>;
type Identity = Awaited<ReturnType<typeof import('../../services/identity/test/helpers.js')['startIdentity']>>;

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** A PNG whose IHDR declares width×height (one empty IDAT): tiny on the wire, huge when decoded. */
function pngOfSize(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(0))), chunk('IEND', Buffer.alloc(0))]);
}

/** A baseline JPEG header (SOI, APP0 JFIF, SOF0) declaring width×height. */
function jpegOfSize(width: number, height: number): Buffer {
  const app0 = Buffer.from('ffe000104a46494600010100000100010000', 'hex');
  const sof = Buffer.from('ffc0000b08000000000101110000', 'hex');
  sof.writeUInt16BE(height, 5); sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from('ffd8', 'hex'), app0, sof, Buffer.from('ffd9', 'hex')]);
}

/** Every route that refuses an anonymous caller with 401 must refuse each attack token with 401 too. */
async function jwtAttacks(app: Injector, keyFile: string, zone: 'internet' | 'extranet') {
  const attacks = attackAuthorizations(keyFile, zone);
  const failures: string[] = [];
  let protectedRoutes = 0;
  for (const r of routesOf(app)) {
    const url = r.url.replace(/:([A-Za-z0-9_]+)/g, () => randomUUID()).replace(/\*$/, 'x');
    const payload = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
    const send = (headers: Record<string, string>) => app.inject({ method: r.method, url, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}) });
    if ((await send({})).statusCode !== 401) continue;
    protectedRoutes++;
    for (const [name, authorization] of Object.entries(attacks)) {
      const res = await send({ authorization });
      const v = violation(res);
      if (res.statusCode !== 401 || v || JSON.parse(res.body).code !== 'unauthenticated') failures.push(`${r.method} ${r.url} with ${name}: ${res.statusCode} ${v ?? ''} ${res.body.slice(0, 120)}`);
    }
  }
  return { protectedRoutes, attacks: Object.keys(attacks).length, failures };
}

/**
 * IDOR: `intruder` fills every path parameter of every route with the owner's resource ids, with
 * fuzzed bodies. Never a 2xx, unless an anonymous caller gets the same (public routes), never a
 * 5xx, and nothing in the owner's database changes.
 */
async function idor(opts: { app: Injector; databaseUrl: string; ids: string[]; intruders: string[]; seed: number; runs: number; ignoreTables?: string[] }) {
  const snap = await snapshotter(opts.databaseUrl, opts.ignoreTables);
  const before = await snap.snapshot();
  const routes = routesOf(opts.app).filter((r) => r.url.includes(':'));
  const failures: string[] = [];
  let requests = 0;
  for (const [i, r] of routes.entries()) {
    const result = await fc.check(fc.asyncProperty(fc.constantFrom(...opts.ids), fc.constantFrom(...opts.intruders), bodyArbitrary(r.schema.body), async (id, intruder, body) => {
      const url = r.url.replace(/:([A-Za-z0-9_]+)/g, () => encodeURIComponent(id));
      const send = (authorization?: string) => opts.app.inject({ method: r.method, url, headers: { ...(authorization ? { authorization } : {}), ...(body.contentType ? { 'content-type': body.contentType } : {}), 'idempotency-key': `idor-${randomUUID()}` }, ...(body.payload !== undefined ? { payload: body.payload } : {}) });
      const res = await send(intruder);
      requests++;
      const v = violation(res);
      if (v) throw new Error(`${r.method} ${url}: ${v}`);
      if (res.statusCode < 300 && (await send()).statusCode >= 300) throw new Error(`${r.method} ${url} answered ${res.statusCode} to another principal: ${res.body.slice(0, 200)}`);
    }), { seed: opts.seed + i, numRuns: opts.runs });
    if (result.failed) failures.push(`${r.method} ${r.url} (seed ${opts.seed + i}): ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`);
  }
  const changed = snap.diff(before, await snap.snapshot());
  await snap.close();
  return { routes: routes.length, requests, failures, changed };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP: what fetch and inject refuse to send.

interface RawAnswer extends Answer { raw: string }

function rawRequest(url: string, request: string | Buffer, opts: { closeAfterMs?: number } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: u.hostname, port: Number(u.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), opts.closeAfterMs ?? 5000);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => { /* reset after the answer */ });
    sock.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const statusCode = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      if (!statusCode) { reject(new Error(`no HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`)); return; }
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) { const k = l.indexOf(':'); if (k > 0) headers[l.slice(0, k).toLowerCase()] = l.slice(k + 1).trim(); }
      let body = rest.join('\r\n\r\n');
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ statusCode, headers, body, raw });
    });
    sock.on('connect', () => sock.write(request));
    sock.setTimeout(10_000, () => sock.destroy());
  });
}

/** A real zip archive holding one deflated file of `size` zero bytes (about 1000:1). */
function zipBomb(size: number): Buffer {
  const data = Buffer.alloc(size);
  const deflated = zlib.deflateRawSync(data, { level: 9 });
  const crc = zlib.crc32(data);
  const name = Buffer.from('zeros.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 10); local.writeUInt32LE(crc, 14); local.writeUInt32LE(deflated.length, 18); local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26); local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0, 8); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(0, 12); central.writeUInt32LE(crc, 16); central.writeUInt32LE(deflated.length, 20); central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28); central.writeUInt32LE(0, 42);
  const cdOffset = local.length + name.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10); end.writeUInt32LE(central.length + name.length, 12); end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, deflated, central, name, end]);
}

describe('bad input, targeted attacks', () => {
  let decl: Declaration;
  let ident: Identity;
  let appr: Approval;
  const owner = { sub: randomUUID(), realm: 'public' as const, name: '周梦婕', roles: ['applicant'] };
  let applicationId = '';
  let materialId = '';
  let caseId = '';
  let caseNumber = '';

  beforeAll(async () => {
    const d = await import('../../services/declaration/test/helpers.js');
    const a = await import('../../services/approval/test/helpers.js');
    const i = await import('../../services/identity/test/helpers.js');
    [decl, appr, ident] = await Promise.all([d.startDeclaration(), a.startApproval(), i.startIdentity('public')]);

    // Applicant A files an application with one material.
    await decl.publishOutbound('catalog.item.published', d.ITEM);
    await waitFor(async () => (await decl.svc.app.inject({ method: 'GET', url: `/v1/items/${d.ITEM.code}` })).statusCode === 200);
    const token = decl.env.token(owner);
    const up = await decl.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${d.ITEM.code}&materialCode=id-card&fileName=id.png`, headers: { ...bearer(token), 'content-type': 'image/png' }, payload: PNG });
    expect(up.statusCode).toBe(201);
    materialId = up.json().materialId;
    const spare = await decl.svc.app.inject({ method: 'POST', url: `/v1/materials?itemCode=${d.ITEM.code}&materialCode=id-card&fileName=id.png`, headers: { ...bearer(token), 'content-type': 'image/png' }, payload: PNG });
    expect(spare.statusCode).toBe(201);
    const sub = await decl.svc.app.inject({ method: 'POST', url: '/v1/applications', headers: { ...bearer(token), 'idempotency-key': `k-${randomUUID()}` }, payload: { itemCode: d.ITEM.code, form: { name: '周梦婕', phone: '13800000000' }, materials: [{ materialCode: 'id-card', materialId }] } });
    expect(sub.statusCode).toBe(202);
    applicationId = sub.json().applicationId;
    materialId = spare.json().materialId;

    // A case of department gy-wjw in approval.
    await appr.publish('catalog', 'catalog.item.published', a.ITEM);
    const app = a.application();
    await appr.publish('relay-in-receiver', 'application.submitted', app, 'internet');
    const c = await waitFor(() => appr.svc.ctx.prisma.case.findUnique({ where: { applicationId: app.applicationId } }), 20_000);
    caseId = c.id;
    caseNumber = c.caseNumber;
  }, 120_000);

  afterAll(async () => { await Promise.all([decl?.close(), appr?.close(), ident?.close()]); }, 60_000);

  it('refuses every JWT attack with 401 on every protected route (declaration, approval, identity)', async () => {
    const results = [
      { service: 'declaration', ...(await jwtAttacks(decl.svc.app, decl.env.keyFile, 'internet')) },
      { service: 'approval', ...(await jwtAttacks(appr.svc.app, appr.env.keyFile, 'extranet')) },
      { service: 'identity-public', ...(await jwtAttacks(ident.svc.app, ident.env.keyFile, 'internet')) },
    ];
    for (const r of results) process.stdout.write(`JWT attacks: ${r.service}: ${r.attacks} attacks × ${r.protectedRoutes} protected routes\n`);
    for (const r of results) expect(r.protectedRoutes).toBeGreaterThan(2);
    expect(results.flatMap((r) => r.failures)).toEqual([]);
  }, 120_000);

  it('refuses a replayed refresh token and revokes its whole family; refuses the other realm’s tokens', async () => {
    await ident.addAccount('fuzzreplay', 'Hall#2026-fuzz');
    const login = await ident.login('fuzzreplay', 'Hall#2026-fuzz');
    expect(login.statusCode).toBe(200);
    const first = login.json().refreshToken as string;
    const refresh = (refreshToken: string) => ident.svc.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } });
    const rotated = await refresh(first);
    expect(rotated.statusCode).toBe(200);
    const replay = await refresh(first);
    expect(replay.statusCode).toBe(401);
    expect(violation(replay)).toBeUndefined();
    expect(replay.json().code).toBe('refresh_token_reused');
    // The token the legitimate client holds now is dead too: the thief cannot race the owner.
    const after = await refresh(rotated.json().refreshToken);
    expect(after.statusCode).toBe(401);
    expect(violation(after)).toBeUndefined();
    // An access token signed by the staff realm's key is worthless here.
    const staff = appr.env.token({ sub: randomUUID(), realm: 'staff', roles: ['sys_admin'], department: 'gy-wjw', positions: ['acceptance'] });
    const me = await ident.me(staff);
    expect(me.statusCode).toBe(401);
    expect(violation(me)).toBeUndefined();
  }, 60_000);

  it('IDOR across applicants: another applicant reaches none of A’s applications or materials on any route', async () => {
    const intruders = [
      `Bearer ${decl.env.token({ sub: randomUUID(), realm: 'public', name: '李四', roles: ['applicant'] })}`,
      `Bearer ${decl.env.token({ sub: randomUUID(), realm: 'public', name: '刘代办', roles: ['applicant', 'agent'], region: '341621100' })}`,
    ];
    const ownerAuth = bearer(decl.env.token(owner));
    expect((await decl.svc.app.inject({ method: 'GET', url: `/v1/applications/${applicationId}`, headers: ownerAuth })).statusCode).toBe(200);
    const r = await idor({ app: decl.svc.app, databaseUrl: decl.env.databaseUrl, ids: [applicationId, materialId, owner.sub], intruders, seed: SEED, runs: 12, ignoreTables: DECLARATION_BACKGROUND_TABLES });
    process.stdout.write(`IDOR declaration: ${r.routes} routes with parameters, ${r.requests} requests\n`);
    expect(r.failures).toEqual([]);
    expect(r.changed).toEqual([]);
    // The owner still sees exactly what was there.
    const mine = await decl.svc.app.inject({ method: 'GET', url: `/v1/applications/${applicationId}`, headers: ownerAuth });
    expect(mine.json().status).toBe('submitted');
  }, 120_000);

  it('IDOR across departments: staff of another department reach no case of gy-wjw on any route', async () => {
    const other = (p: object) => `Bearer ${appr.env.token({ sub: randomUUID(), realm: 'staff', name: '郑受理', roles: ['staff'], department: 'gy-mzj', ...p })}`;
    const intruders = [other({ positions: ['acceptance', 'review', 'approval'] }), other({ roles: ['staff', 'dept_admin'], positions: ['acceptance'] }), other({ positions: [] })];
    const r = await idor({ app: appr.svc.app, databaseUrl: appr.env.databaseUrl, ids: [caseId, caseNumber], intruders, seed: SEED, runs: 12 });
    process.stdout.write(`IDOR approval: ${r.routes} routes with parameters, ${r.requests} requests\n`);
    expect(r.failures).toEqual([]);
    expect(r.changed).toEqual([]);
    expect((await appr.svc.ctx.prisma.case.findUnique({ where: { id: caseId } }))!.status).toBe('received');
  }, 120_000);

  // Issue 20: validation ran before authentication, so anonymous callers read protected routes' schemas in field-level 400s.
  it('answers anonymous callers with a bad body 401 before any validation, on protected routes of every service', async () => {
    const probes: Array<[string, Injector, string, string]> = [
      ['declaration', decl.svc.app, 'POST', '/v1/applications'],
      ['approval', appr.svc.app, 'POST', `/v1/cases/${caseId}/supplement`],
      ['approval', appr.svc.app, 'POST', '/v1/cases/not-a-uuid/special-procedure'],
      ['identity', ident.svc.app, 'POST', '/v1/auth/password'],
    ];
    for (const [service, app, method, url] of probes) {
      for (const payload of ['{"itemCode":5,"unknown":true}', '{"broken":', '[]']) {
        const r = await app.inject({ method, url, headers: { 'content-type': 'application/json', 'idempotency-key': 'short' }, payload });
        expect([service, url, payload, r.statusCode, JSON.parse(r.body).code]).toEqual([service, url, payload, 401, 'unauthenticated']);
        expect(JSON.parse(r.body)).not.toHaveProperty('errors');
      }
    }
  });

  it('refuses upload bombs and polyglots: huge declared size, oversize stream, zip and gzip bombs, disguised files', async () => {
    const token = decl.env.token(owner);
    const url = `/v1/materials?itemCode=T-ITEM-001&materialCode=id-card&fileName=id.png`;
    const snap = await snapshotter(decl.env.databaseUrl, DECLARATION_BACKGROUND_TABLES);
    const before = await snap.snapshot();
    const upload = (payload: Buffer, contentType = 'image/png', extra: Record<string, string> = {}) => decl.svc.app.inject({ method: 'POST', url, headers: { ...bearer(token), 'content-type': contentType, ...extra }, payload });
    const refused = async (what: string, res: Answer, status: number[], code?: string) => {
      expect([what, violation(res)]).toEqual([what, undefined]);
      expect([what, status.includes(res.statusCode)]).toEqual([what, true]);
      if (code) expect([what, JSON.parse(res.body).code]).toEqual([what, code]);
    };
    const zip = zipBomb(3 * 1024 * 1024); // 3 MiB of zeros in ~3 KB
    expect(zip.length).toBeLessThan(4096); // under the material's size limit: only sniffing can catch it
    await refused('zip bomb', await upload(zip, 'image/png'), [415], 'material_type_not_allowed');
    const gz = zlib.gzipSync(Buffer.alloc(3 * 1024 * 1024));
    await refused('gzip bomb sent as Content-Encoding: gzip', await upload(gz, 'image/png', { 'content-encoding': 'gzip' }), [400, 413, 415]);
    await refused('html disguised as png', await upload(Buffer.from('<html><script>alert(1)</script></html>'), 'image/png'), [415], 'material_type_not_allowed');
    await refused('svg with script', await upload(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/png'), [415], 'material_type_not_allowed');
    await refused('gif declared png', await upload(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'image/png'), [415], 'material_type_not_allowed');
    await refused('over the material size', await upload(Buffer.concat([PNG, Buffer.alloc(5000)])), [413], 'material_too_large');
    // Decompression bombs for staff browsers (issue 20): a few bytes that declare a 40000×40000 canvas.
    await refused('40000×40000 png', await upload(pngOfSize(40_000, 40_000)), [422], 'image_too_large');
    await refused('30000×30000 jpeg', await upload(jpegOfSize(30_000, 30_000), 'image/jpeg'), [415, 422]);
    await refused('empty file', await upload(Buffer.alloc(0)), [400]);
    await refused('path in file name', await decl.svc.app.inject({ method: 'POST', url: url.replace('id.png', '..%2F..%2Fetc%2Fpasswd'), headers: { ...bearer(token), 'content-type': 'image/png' }, payload: PNG }), [400], 'file_name_invalid');
    expect(snap.diff(before, await snap.snapshot())).toEqual([]);

    // A PNG with HTML appended is a PNG: stored as image/png whatever the client declared, never as HTML.
    const poly = await upload(Buffer.concat([PNG, Buffer.from('<html><script>alert(1)</script></html>')]), 'text/html');
    expect(poly.statusCode).toBe(201);
    expect(poly.json().contentType).toBe('image/png');

    // Over a real socket: a declared 10 GiB body is refused before it is read; a body streamed past the limit is cut off.
    const huge = await rawRequest(decl.url, `POST ${url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/png\r\nContent-Length: 10737418240\r\n\r\n${PNG.toString('latin1')}`);
    await refused('declared 10 GiB', huge, [413]);
    const chunk = Buffer.alloc(1024 * 1024, 0x41).toString('latin1');
    const streamed = await rawRequest(decl.url, `POST ${url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n${`100000\r\n${chunk}\r\n`.repeat(24)}0\r\n\r\n`, { closeAfterMs: 20_000 });
    await refused('streamed 24 MiB', streamed, [413]);
    await snap.close();
  }, 120_000);

  it('answers what only a raw socket can send with problem+json: CR/LF in headers, smuggling, header overflow, raw traversal', async () => {
    const cases: [string, string, number[]][] = [
      ['bare CR in a header value', 'GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Test: a\rSet-Cookie: hacked=1\r\n\r\n', [400]],
      ['NUL in a header value', 'GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Test: a\u0000b\r\n\r\n', [400]],
      ['header name with a space', 'GET /v1/items HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', [400]],
      ['Content-Length with Transfer-Encoding (smuggling)', 'POST /v1/applications HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/me HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
      ['two Content-Length headers', 'POST /v1/applications HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', [400]],
      ['headers over the size limit', `GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, [431]],
      ['malformed request line', 'GET /v1/items HTTP/9.9 extra\r\n\r\n', [400, 505]],
      ['raw path traversal', 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [400, 404]],
      ['encoded path traversal', 'GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [400, 404]],
      ['encoded traversal into the service source', 'GET /..%2f..%2fpackage.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [400, 404]],
      ['CRLF in the query string', 'GET /v1/items?q=%0d%0aSet-Cookie:%20hacked=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [200, 400]],
      ['invalid percent-encoding in the path', 'GET /v1/items/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [400, 404]],
    ];
    const failures: string[] = [];
    for (const [what, request, statuses] of cases) {
      const res = await rawRequest(decl.url, request);
      const v = violation(res);
      if (v || !statuses.includes(res.statusCode)) failures.push(`${what}: ${res.statusCode} ${v ?? ''} ${res.raw.slice(0, 300)}`);
      if (/set-cookie:\s*hacked/i.test(res.raw.split('\r\n\r\n')[0]!)) failures.push(`${what}: injected header echoed`);
      if (/root:|"name":\s*"@hall/.test(res.body)) failures.push(`${what}: served a file outside the UI`);
    }
    expect(failures).toEqual([]);
    // Still serving.
    expect((await fetch(`${decl.url}/health`)).status).toBe(200);
  }, 120_000);
});

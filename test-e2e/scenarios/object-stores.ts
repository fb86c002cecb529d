/**
 * The object stores of both zones, as the README's run command starts them (issue 20): nothing
 * answers without a valid AWS SigV4 signature, and each process's credential reaches only the
 * prefixes its work needs (STORE_ACCESS in packages/platform/src/topology.ts) of its own zone's
 * store. Anonymous list, get, put and delete were open to anyone on the machine before.
 * And beside the stores, the zones' Postgres: each zone's roles and databases are on its own
 * cluster (the internet zone's on the machine's server, the extranet zone's on the run's own
 * cluster, test-e2e/src/zone-postgres.ts), which a role of the other zone cannot log in to.
 */
import { randomUUID } from 'node:crypto';
import { Client as MinioClient } from 'minio';
import pg from 'pg';
import { BUCKET, STORE_ACCESS, type Platform, type ZoneName } from '@hall/platform';
import { sharedPlatform } from '../src/platform.js';

let platform: Platform;
const ZONES: ZoneName[] = ['internet', 'extranet'];

const client = (endpoint: string, c: { accessKey: string; secretKey: string }) => {
  const u = new URL(endpoint);
  return new MinioClient({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: c.accessKey, secretKey: c.secretKey, pathStyle: true, region: 'us-east-1' });
};
/** The store credential a process was started with. */
const credentialOf = (name: string) => {
  const env = platform.processes[name]!.env;
  return { endpoint: env.S3_ENDPOINT!, accessKey: env.S3_ACCESS_KEY!, secretKey: env.S3_SECRET_KEY! };
};
const read = async (s: MinioClient, key: string) => {
  const chunks: Buffer[] = [];
  for await (const c of await s.getObject(BUCKET, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
const errorCode = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

describe('scenario: object stores', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
  });

  it.each(ZONES)('the %s store refuses anonymous list, get, put and delete with 403 AccessDenied', async (zone) => {
    const s3 = platform.s3[zone];
    const key = `materials/probe-${randomUUID()}`;
    const root = client(s3.endpoint, s3);
    await root.putObject(BUCKET, key, Buffer.from('原件'));
    for (const [method, path] of [['GET', '/'], ['GET', `/${BUCKET}?list-type=2`], ['GET', `/${BUCKET}`], ['GET', `/${BUCKET}/${key}`], ['HEAD', `/${BUCKET}/${key}`], ['PUT', `/${BUCKET}/${key}`], ['DELETE', `/${BUCKET}/${key}`]] as const) {
      const res = await fetch(`${s3.endpoint}${path}`, { method, ...(method === 'PUT' ? { body: 'replaced without the lane' } : {}) });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 403`);
      if (method !== 'HEAD') expect(await errorCode(res)).toBe('AccessDenied');
    }
    expect(await read(root, key)).toBe('原件');
    await root.removeObject(BUCKET, key);
  });

  it('gives every process a credential of its own zone\'s store only (udp lanes hold no other zone\'s key)', () => {
    for (const p of Object.values(platform.processes)) {
      const env = p.env;
      if (!p.spec.objectStore) {
        expect(`${p.spec.name}: ${env.S3_ACCESS_KEY ?? 'none'}`).toBe(`${p.spec.name}: none`);
        continue;
      }
      expect(env.S3_ENDPOINT).toBe(platform.s3[p.spec.zone].endpoint);
      expect(env.S3_ACCESS_KEY).not.toBe(platform.s3[p.spec.zone].accessKey);
      expect(STORE_ACCESS[p.spec.name]).toBeDefined();
      expect(Object.keys(env).filter((k) => k.startsWith('SOURCE_S3_'))).toEqual([]);
    }
    const keys = Object.values(platform.processes).map((p) => p.env.S3_ACCESS_KEY).filter(Boolean);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds a service\'s credential to its prefixes: declaration cannot read or write beyond them, nor reach the extranet store', async () => {
    const i = platform.s3.internet;
    const root = client(i.endpoint, i);
    const decl = credentialOf('declaration');
    const d = client(decl.endpoint, decl);
    const other = `other/${randomUUID()}`;
    await root.putObject(BUCKET, other, Buffer.from('secret'));
    await expect(d.getObject(BUCKET, other)).rejects.toMatchObject({ code: 'AccessDenied' });
    // certificates/ and openness/ come from the outbound lane: declaration reads, never writes them.
    await expect(d.putObject(BUCKET, `certificates/${randomUUID()}.pdf`, Buffer.from('%PDF forged'))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(d.removeObject(BUCKET, other)).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(new Promise((resolve, reject) => {
      const s = d.listObjectsV2(BUCKET, '', true);
      s.on('data', () => undefined).on('end', resolve).on('error', reject);
    })).rejects.toMatchObject({ code: 'AccessDenied' });
    // The same key and secret mean nothing to the other zone's store.
    const x = client(platform.s3.extranet.endpoint, decl);
    await expect(x.getObject(BUCKET, 'materials/anything')).rejects.toMatchObject({ code: 'InvalidAccessKeyId' });
    await root.removeObject(BUCKET, other);
  });

  it('puts each zone\'s databases on its own Postgres cluster; declaration\'s role is refused by the extranet cluster and is no superuser', async () => {
    const at = (url: string) => new URL(url).host;
    const cluster = { internet: at(platform.postgres.internet.adminUrl), extranet: at(platform.postgres.extranet.adminUrl) };
    expect(cluster.internet).not.toBe(cluster.extranet);
    const dbUrl = (name: string) => new URL(platform.processes[name]!.env.DATABASE_URL!);
    expect(dbUrl('declaration').port).not.toBe(dbUrl('approval').port);
    const own: Record<ZoneName, string[]> = { internet: [], extranet: [] };
    for (const p of Object.values(platform.processes)) {
      if (!p.env.DATABASE_URL) continue;
      expect(`${p.spec.name}: ${at(p.env.DATABASE_URL)}`).toBe(`${p.spec.name}: ${cluster[p.spec.zone]}`);
      own[p.spec.zone].push(dbUrl(p.spec.name).pathname.slice(1));
    }
    // Each cluster holds this platform's databases of its own zone and none of the other's.
    const prefix = dbUrl('approval').pathname.slice(1).replace(/_approval$/, '');
    for (const zone of ZONES) {
      const admin = new pg.Client({ connectionString: platform.postgres[zone].adminUrl });
      await admin.connect();
      try {
        const names = (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}\\_%`])).rows.map((r) => r.datname);
        expect([zone, names.sort()]).toEqual([zone, [...new Set(own[zone])].sort()]);
      } finally {
        await admin.end();
      }
    }
    expect(own.internet).toContain(dbUrl('declaration').pathname.slice(1));
    expect(own.extranet).toContain(dbUrl('approval').pathname.slice(1));

    const login = async (url: URL) => {
      const c = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
      try {
        await c.connect();
        return (await c.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]!.rolsuper;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    // declaration's own login works and is no superuser; with the same user and password, the
    // extranet cluster refuses it for approval's database and for the maintenance database.
    expect(await login(dbUrl('declaration'))).toBe(false);
    for (const database of [dbUrl('approval').pathname, '/postgres']) {
      const u = dbUrl('declaration');
      u.host = cluster.extranet;
      u.pathname = database;
      await expect(login(u)).rejects.toMatchObject({ code: '28P01' });
    }
  });

  it('lets approval read materials (and certificates reused as materials) but not write them; refuses a wrong signature', async () => {
    const x = platform.s3.extranet;
    const root = client(x.endpoint, x);
    const key = `materials/probe-${randomUUID()}`;
    await root.putObject(BUCKET, key, Buffer.from('结婚证'));
    const approval = credentialOf('approval');
    const a = client(approval.endpoint, approval);
    expect(await read(a, key)).toBe('结婚证');
    await expect(a.putObject(BUCKET, key, Buffer.from('changed'))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(a.putObject(BUCKET, `certificates/${randomUUID()}.pdf`, Buffer.from('%PDF-'))).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(a.getObject(BUCKET, `openness/${randomUUID()}.pdf`)).rejects.toMatchObject({ code: 'AccessDenied' });
    const forged = client(approval.endpoint, { accessKey: approval.accessKey, secretKey: `${approval.secretKey}x` });
    await expect(forged.getObject(BUCKET, key)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(await read(root, key)).toBe('结婚证');
    await root.removeObject(BUCKET, key);
  });
});

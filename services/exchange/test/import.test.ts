/**
 * Loading the base registries from files: check digits validated per row, bad rows reported with
 * their line and reason while the good ones are imported, re-imports refresh rows in place, and the
 * command line shows a progress bar and exits 2 when rows were refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@hall/testkit';
import { migrate } from '@hall/db';
import { createLogger } from '@hall/logging';
import { createPrisma, type Db } from '../src/db.js';
import { importRegistry } from '../src/registries/import.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
let db: TestDatabase;
let prisma: Db;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase({ prefix: 'exchangeimport' });
  await migrate({ databaseUrl: db.url, migrationsDir: path.resolve(here, '../prisma/migrations'), logger: createLogger({ service: 't', level: 'silent' }) });
  prisma = createPrisma(db.url, 2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exchange-import-'));
}, 60_000);
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };

describe('registry import', () => {
  it('should import the good rows of a CSV file and report each bad row with its line and reason', async () => {
    const file = write('people.csv', [
      'idNumber,name,gender,ethnicity,address,regionCode',
      '341621199203150020,周梦婕,女,汉族,涡阳县城关街道,341621',
      '341621199203150021,校验位错,女,汉族,,',
      '34162119900108001X,李明,男,汉族,,341621',
      '341621199002300011,日期错,男,,,',
      '341602198511220031,性别错,女,,,',
      ',无号码,男,,,',
      '11010519491231002x,小写x,,,,110105',
    ].join('\n'));
    const progress: [number, number][] = [];
    const r = await importRegistry({ db: prisma, registry: 'population', file, batchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    expect(r).toMatchObject({ total: 7, imported: 3, source: 'people.csv' });
    expect(r.bad).toEqual([
      { line: 3, reason: '身份证号码校验位不正确' },
      { line: 5, reason: '身份证号码中的出生日期无效' },
      { line: 6, reason: '性别与身份证号码不符（应为男）' },
      { line: 7, reason: '缺少身份证号码' },
    ]);
    expect(progress).toEqual([[0, 7], [3, 7], [6, 7], [7, 7]]);
    const li = await prisma.populationRecord.findUnique({ where: { idNumber: '34162119900108001X' } });
    expect(li).toMatchObject({ name: '李明', gender: '男', regionCode: '341621', source: 'people.csv' });
    expect(li!.birthDate.toISOString().slice(0, 10)).toBe('1990-01-08');
    expect(await prisma.populationRecord.count({ where: { idNumber: '11010519491231002X' } })).toBe(1);
  });

  it('should refresh a re-imported person in place, keeping the id the audit refers to', async () => {
    const before = await prisma.populationRecord.findUniqueOrThrow({ where: { idNumber: '341621199203150020' } });
    const file = write('people2.json', JSON.stringify([{ idNumber: '341621199203150020', name: '周梦婕', address: '涡阳县星园街道' }]));
    expect((await importRegistry({ db: prisma, registry: 'population', file })).bad).toEqual([]);
    const after = await prisma.populationRecord.findUniqueOrThrow({ where: { idNumber: '341621199203150020' } });
    expect(after).toMatchObject({ id: before.id, address: '涡阳县星园街道', source: 'people2.json' });
  });

  it('should validate unified social credit codes and the legal representative ID number', async () => {
    const file = write('companies.json', JSON.stringify([
      { creditCode: '91341621MA2N00001C', name: '涡阳县明远农业科技有限公司', legalRepresentativeIdNumber: '34162119900108001X', establishedOn: '2018-05-20' },
      { creditCode: '91341621MA2N00001D', name: '校验位错' },
      { creditCode: '92341621MA2N00002C', name: '代表人号码错', legalRepresentativeIdNumber: '341621197812040048' },
      { creditCode: '92341621MA2N00002C', name: '日期错', establishedOn: '2015-02-30' },
      { creditCode: '91350100M000100Y43', name: '' },
    ]));
    const r = await importRegistry({ db: prisma, registry: 'enterprise', file });
    expect(r.imported).toBe(1);
    expect(r.bad).toEqual([
      { line: 2, reason: '统一社会信用代码校验位不正确' },
      { line: 3, reason: '法定代表人身份证号码校验位不正确' },
      { line: 4, reason: '成立日期应为 YYYY-MM-DD' },
      { line: 5, reason: '缺少名称' },
    ]);
  });

  it('should run from the command line with a progress bar, list bad rows and exit 2', async () => {
    const file = write('cli.csv', 'idNumber,name\n341621197812040047,张秀英\n341621197812040048,错号\n');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/exchange/src/import-registry.ts'), '--registry', 'population', '--file', file], {
      cwd: root, env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(stderr).toMatch(/population \|[█░]+\| 100% 2\/2 rows/);
    expect(stdout).toContain('line 3: 身份证号码校验位不正确');
    expect(stdout).toContain('population: 1 imported, 1 refused, 2 rows in cli.csv');
    expect(code).toBe(2);
    expect(await prisma.populationRecord.count({ where: { idNumber: '341621197812040047' } })).toBe(1);
  }, 60_000);

  it('should exit 64 with the usage when the registry is not named', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/exchange/src/import-registry.ts'), '--file', 'x.csv'], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    expect(await new Promise((r) => child.on('exit', r))).toBe(64);
    expect(stderr).toContain('usage: import-registry');
  }, 60_000);
});

import { createReplicaIndex, normalize, type ReplicaRow } from './replica-index.js';

const item = (code: string, name: string, departmentName: string, keywords: string[] = [], status = 'published'): ReplicaRow => ({
  code, version: 1, name, department: code.split('-')[1]!.toLowerCase(), status,
  publication: { code, version: 1, name, departmentName, hall: code.startsWith('340621') ? '涡阳县网上办事大厅' : '珠海市网上办事大厅', level: '县区', powerType: '行政确认', promisedDays: 5, keywords },
});
const rows = [
  item('340621-WJW-001', '生育登记（生育服务证办理）', '涡阳县卫生健康委员会', ['准生证']),
  item('340621-CL-001', '残疾人证办理', '涡阳县残疾人联合会', ['残疾证']),
  item('440400-CL-001', '残疾人证办理', '珠海市残疾人联合会'),
  item('440400-STHJ-001', '建设项目环境影响评价文件审批（报告书）', '珠海市生态环境局', ['环评']),
  item('440400-SCJ-001', '营业执照（有限责任公司设立登记）', '珠海市市场监督管理局'),
  item('440400-OLD-001', '已废止的营业执照事项', '珠海市市场监督管理局', [], 'retired'),
];

describe('replica index search (模糊检索)', () => {
  const index = createReplicaIndex({ loadAll: async () => rows, fingerprint: async () => 'v1' });
  const codes = async (q: string, extra: { department?: string; hall?: string } = {}) => (await index.search({ q, skip: 0, take: 10, ...extra })).items.map((i) => i.code);

  it.each([
    ['生育', ['340621-WJW-001'], 'substring of the name'],
    ['生育证', ['340621-WJW-001'], 'characters in order within the name'],
    ['准生证', ['340621-WJW-001'], 'keyword'],
    ['残疾证 涡阳', ['340621-CL-001'], 'two terms: fuzzy name and department'],
    ['环评', ['440400-STHJ-001'], 'keyword abbreviation'],
    ['环境影响评价审批', ['440400-STHJ-001'], 'most character pairs'],
    ['营业执照', ['440400-SCJ-001'], 'retired items are left out'],
    ['ＷＪＷ', ['340621-WJW-001'], 'full-width and case folded'],
    ['户口迁移', [], 'nothing unrelated'],
  ])('%s → %j (%s)', async (q, expected) => {
    expect(await codes(q)).toEqual(expected);
  });

  it('ranks a name match before a department match, filters and pages', async () => {
    expect((await codes('残疾')).slice(0, 2).sort()).toEqual(['340621-CL-001', '440400-CL-001']);
    expect(await codes('残疾', { hall: '珠海市网上办事大厅' })).toEqual(['440400-CL-001']);
    expect(await codes('', { department: 'cl' })).toEqual(['340621-CL-001', '440400-CL-001']);
    const page = await index.search({ skip: 1, take: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((i) => i.code)).toEqual(['340621-WJW-001', '440400-CL-001']);
  });

  it('serves guides as JSON text, retired ones with their status', async () => {
    expect(JSON.parse((await index.guideJson('440400-OLD-001'))!)).toMatchObject({ status: 'retired' });
    expect(await index.guideJson('NOPE')).toBeNull();
    expect(normalize(' 生育，登记 ')).toBe('生育登记');
  });
});

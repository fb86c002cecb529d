import { createReplicaIndex, type ReplicaRow } from './replica-index.js';
import { createSearchPageCache } from './replica-cache.js';

const item = (code: string, name: string): ReplicaRow => ({
  code, version: 1, name, department: 'wjw', status: 'published',
  publication: { code, version: 1, name, departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区', powerType: '行政确认', promisedDays: 5, keywords: [] },
});

describe('search page cache (serialized pages per index generation)', () => {
  it('answers exactly what the index answers, and a publication shows at once after the index reloads', async () => {
    let rows = [item('340621-WJW-001', '生育登记'), item('340621-WJW-002', '再生育审批')];
    let fp = 'v1';
    let loads = 0;
    let t = 0;
    const index = createReplicaIndex({ loadAll: async () => { loads++; return rows; }, fingerprint: async () => fp, maxStalenessMs: 1000, now: () => t });
    const cache = createSearchPageCache(index);
    const direct = async (q: string) => { const r = await index.search({ q, skip: 0, take: 10 }); return { ...r, page: 1, pageSize: 10 }; };

    const first = await cache({ q: '生育', page: 1, pageSize: 10 });
    expect(JSON.parse(first)).toEqual(await direct('生育'));
    expect(JSON.parse(first).total).toBe(2);
    expect(await cache({ q: '生育', page: 1, pageSize: 10 })).toBe(first); // same text, from the cache
    expect(JSON.parse(await cache({ q: '生育', page: 2, pageSize: 1 }))).toMatchObject({ page: 2, pageSize: 1, total: 2, items: [{ code: '340621-WJW-002' }] });

    rows = [...rows, item('340621-WJW-003', '生育保险待遇申领')];
    fp = 'v2';
    t += 1500; // past the staleness bound: the index checks the fingerprint and reloads
    await index.generation(); // the background check of the first request after the bound
    const after = JSON.parse(await cache({ q: '生育', page: 1, pageSize: 10 }));
    expect(after.total).toBe(3);
    expect(after).toEqual(await direct('生育'));
    expect(loads).toBe(2);
  });

  it('stays bounded: the least recently used page goes first', async () => {
    const index = createReplicaIndex({ loadAll: async () => [item('340621-WJW-001', '生育登记')], fingerprint: async () => 'v1' });
    let searches = 0;
    const counting = { ...index, search: (q: Parameters<typeof index.search>[0]) => { searches++; return index.search(q); } };
    const cache = createSearchPageCache(counting, 2);
    await cache({ q: 'a', page: 1, pageSize: 10 });
    await cache({ q: 'b', page: 1, pageSize: 10 });
    await cache({ q: 'a', page: 1, pageSize: 10 }); // a is now the most recent
    await cache({ q: 'c', page: 1, pageSize: 10 }); // evicts b
    expect(searches).toBe(3);
    await cache({ q: 'a', page: 1, pageSize: 10 });
    expect(searches).toBe(3);
    await cache({ q: 'b', page: 1, pageSize: 10 });
    expect(searches).toBe(4);
  });
});

/**
 * Search and list pages of the replica, kept serialized. A portal's searches repeat (the same few
 * hundred names and keywords, the first pages of each), and the replica changes only when the
 * catalog publishes: the JSON text of a page is cached per index generation (replica-index.ts) and
 * dropped as a whole when the index reloads, so an answer is never older than the index itself.
 * Bounded (least recently used first out), because the query text comes from the internet.
 */
import { pageWindow } from '@hall/service';
import type { ReplicaIndex } from './replica-index.js';

export interface PageRequest { q?: string; department?: string; hall?: string; page: number; pageSize: number }

export function createSearchPageCache(index: ReplicaIndex, maxPages = 2000): (q: PageRequest) => Promise<string> {
  let generation = -1;
  const pages = new Map<string, string>();
  return async (q) => {
    const current = await index.generation();
    if (current !== generation) { pages.clear(); generation = current; }
    const key = `${q.page}\u0000${q.pageSize}\u0000${q.department ?? ''}\u0000${q.hall ?? ''}\u0000${q.q ?? ''}`;
    const hit = pages.get(key);
    if (hit !== undefined) {
      pages.delete(key); // most recently used goes last
      pages.set(key, hit);
      return hit;
    }
    const { items, total } = await index.search({ q: q.q, department: q.department, hall: q.hall, ...pageWindow(q) });
    // Same fields in the same order as the route's response schema (PageOf(ItemSummary)).
    const json = JSON.stringify({ items, total, page: q.page, pageSize: q.pageSize });
    if (generation === current) {
      pages.set(key, json);
      if (pages.size > maxPages) pages.delete(pages.keys().next().value!);
    }
    return json;
  };
}

const caches = new WeakMap<ReplicaIndex, (q: PageRequest) => Promise<string>>();
/** One cache per index (per database client), like the index itself. */
export function searchPageCache(index: ReplicaIndex): (q: PageRequest) => Promise<string> {
  let cache = caches.get(index);
  if (!cache) { cache = createSearchPageCache(index); caches.set(index, cache); }
  return cache;
}

/**
 * The portal's in-memory read model of the item replica: guide pages and Chinese search (模糊检索)
 * served without a database round trip per request. The table `item_replica` stays the source of
 * truth (applications read it directly); this index reloads when the table changes, checked with
 * one cheap query at most every `maxStalenessMs`, and at once after a change made in this process.
 * Several portal instances therefore agree within `maxStalenessMs`.
 *
 * Matching, per whitespace-separated term (all terms must match): substring of the name, of a
 * keyword, of the department, hall, code or power type; then, for typos and word order the way
 * people search ("生育证" → 生育登记（生育服务证办理）, "残疾证" → 残疾人证办理), the term's
 * characters in order within the name, or most of its character pairs in the name.
 */
import type { ItemPublished } from '@hall/contracts';

type Publication = ItemPublished['payload'];
export interface ReplicaRow { code: string; version: number; name: string; department: string; status: string; publication: unknown }
export interface ItemSummary { code: string; version: number; name: string; department: string; departmentName: string; hall: string; level: string; powerType: string; promisedDays: number; kind: string; online: boolean; visits: number; bundle: boolean }
interface Entry { summary: ItemSummary; status: string; name: string; keywords: string[]; other: string; nameBigrams: Set<string>; json: string; svg: string | null }

/** Full-width to half-width, lower case, no spaces or punctuation: what a search compares. */
export function normalize(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');
}
const bigrams = (s: string): string[] => { const out: string[] = []; for (let i = 0; i + 1 < s.length; i++) out.push(s.slice(i, i + 2)); return out; };
function isSubsequence(term: string, text: string): boolean {
  let i = 0;
  for (const ch of text) if (ch === term[i] && ++i === term.length) return true;
  return term.length === 0;
}

function scoreTerm(term: string, e: Entry): number {
  const at = e.name.indexOf(term);
  if (at === 0) return 120;
  if (at > 0) return 100;
  if (e.keywords.some((k) => k.includes(term))) return 80;
  if (e.other.includes(term)) return 60;
  if (term.length >= 2 && isSubsequence(term, e.name)) return 40;
  if (term.length >= 3) {
    const grams = bigrams(term);
    const hit = grams.filter((g) => e.nameBigrams.has(g)).length / grams.length;
    if (hit >= 0.6) return Math.round(30 * hit);
  }
  return 0;
}

export interface SearchQuery { q?: string; department?: string; hall?: string; skip: number; take: number }

export function createReplicaIndex(opts: {
  /** Every replica row. */
  loadAll: () => Promise<ReplicaRow[]>;
  /** A value that changes whenever the replica changes (e.g. max(updated_at) and count). */
  fingerprint: () => Promise<string>;
  maxStalenessMs?: number;
  now?: () => number;
}) {
  const staleness = opts.maxStalenessMs ?? 1000;
  const now = opts.now ?? Date.now;
  let entries: Entry[] = [];
  let byCode = new Map<string, Entry>();
  // Inverted indexes over the entries' positions: each character of all searchable text, each
  // character pair of the name. A term is scored only on entries that can match it.
  let charIndex = new Map<string, number[]>();
  let pairIndex = new Map<string, number[]>();
  let loadedFingerprint: string | null = null;
  // Counts reloads: answers cached under one generation (replica-cache.ts) are current while it holds.
  let generation = 0;
  let checkedAt = -Infinity;
  let inflight: Promise<void> | null = null;
  // After a local write, check on every request until the change is visible (its transaction may not have committed yet).
  let watchUntil = -Infinity;

  async function reload(fp: string): Promise<void> {
    const rows = await opts.loadAll();
    const next = rows.map((r): Entry => {
      const p = r.publication as Publication;
      const keywords = (p.keywords ?? []).map(normalize);
      const name = normalize(r.name);
      return {
        summary: {
          code: r.code, version: r.version, name: r.name, department: r.department, departmentName: p.departmentName, hall: p.hall, level: p.level, powerType: p.powerType,
          promisedDays: p.promisedDays, kind: p.kind ?? (p.promisedDays === 0 ? 'immediate' : 'promised'), online: p.online ?? true, visits: p.visits ?? 0, bundle: Boolean(p.bundle),
        },
        status: r.status, name, keywords, other: normalize([p.departmentName, r.department, p.hall, r.code, p.powerType].join('|')), nameBigrams: new Set(bigrams(name)),
        json: JSON.stringify({ ...p, status: r.status }), svg: p.flowchartSvg ?? null,
      };
    }).sort((a, b) => (a.summary.code < b.summary.code ? -1 : a.summary.code > b.summary.code ? 1 : 0));
    const chars = new Map<string, number[]>(), pairs = new Map<string, number[]>();
    next.forEach((e, i) => {
      for (const ch of new Set(e.name + e.keywords.join('') + e.other)) { let l = chars.get(ch); if (!l) chars.set(ch, (l = [])); l.push(i); }
      for (const g of e.nameBigrams) { let l = pairs.get(g); if (!l) pairs.set(g, (l = [])); l.push(i); }
    });
    entries = next;
    charIndex = chars;
    pairIndex = pairs;
    byCode = new Map(next.map((e) => [e.summary.code, e]));
    loadedFingerprint = fp;
    generation++;
  }

  /**
   * Brings the index up to date when the last check is older than the staleness bound. Requests wait
   * for the check only before the first load and right after a local write; otherwise they are served
   * from the index while the check runs in the background (a slow database never stalls a guide page).
   */
  async function fresh(): Promise<void> {
    if (now() - checkedAt < staleness && now() > watchUntil) return;
    const check = inflight ??= (async () => {
      try {
        const fp = await opts.fingerprint();
        if (fp !== loadedFingerprint) { await reload(fp); watchUntil = -Infinity; }
        checkedAt = now();
      } finally { inflight = null; }
    })();
    if (loadedFingerprint === null || now() <= watchUntil) await check;
    else check.catch(() => { /* the next request checks again */ });
  }

  /** Entry positions that may match every term (all of a term's characters, or most of its pairs for the fuzzy match), ascending. */
  function candidates(terms: string[]): Iterable<number> {
    if (terms.length === 0) return entries.keys();
    let keep: Uint8Array | null = null;
    for (const t of terms) {
      const mark = new Uint8Array(entries.length);
      const lists = [...new Set(t)].map((ch) => charIndex.get(ch) ?? []).sort((a, b) => a.length - b.length);
      const count = new Uint8Array(entries.length);
      for (const l of lists) for (const i of l) count[i]!++;
      for (let i = 0; i < count.length; i++) if (count[i] === lists.length) mark[i] = 1;
      if (t.length >= 3) {
        const grams = bigrams(t);
        const hits = new Uint8Array(entries.length);
        for (const g of grams) for (const i of pairIndex.get(g) ?? []) hits[i]!++;
        for (let i = 0; i < hits.length; i++) if (hits[i]! / grams.length >= 0.6) mark[i] = 1;
      }
      if (keep) for (let i = 0; i < mark.length; i++) keep[i] = keep[i]! & mark[i]!;
      else keep = mark;
    }
    const out: number[] = [];
    for (let i = 0; i < keep!.length; i++) if (keep![i]) out.push(i);
    return out;
  }

  return {
    /** The next request checks the table again (call after this process changed it). */
    invalidate(): void { checkedAt = -Infinity; watchUntil = now() + 5000; },
    /** Brings the index up to date (as every read does), then says how many times it has loaded. */
    async generation(): Promise<number> {
      await fresh();
      return generation;
    },
    /** The guide of an item as JSON text (retired versions included, with status 'retired'), or null. */
    async guideJson(code: string): Promise<string | null> {
      await fresh();
      return byCode.get(code)?.json ?? null;
    },
    /** The workflow flowchart (运行流程图) of an item as SVG, or null. */
    async flowchart(code: string): Promise<string | null> {
      await fresh();
      return byCode.get(code)?.svg ?? null;
    },
    /** Items that take applications, best match first (code order without a query), paginated. */
    async search(q: SearchQuery): Promise<{ items: ItemSummary[]; total: number }> {
      await fresh();
      const terms = (q.q ?? '').split(/\s+/).map(normalize).filter(Boolean);
      const dept = q.department, hall = q.hall;
      if (terms.length === 0) {
        // Browsing in code order: count and take the page without building a result per entry.
        const page: ItemSummary[] = [];
        let total = 0;
        for (const e of entries) {
          if (e.status !== 'published' || (dept && e.summary.department !== dept) || (hall && e.summary.hall !== hall)) continue;
          if (total >= q.skip && page.length < q.take) page.push(e.summary);
          total++;
        }
        return { items: page, total };
      }
      const hits: { e: Entry; score: number }[] = [];
      for (const i of candidates(terms)) {
        const e = entries[i]!;
        if (e.status !== 'published') continue;
        if (dept && e.summary.department !== dept) continue;
        if (hall && e.summary.hall !== hall) continue;
        let score = 0;
        for (const t of terms) { const s = scoreTerm(t, e); if (s === 0) { score = -1; break; } score += s; }
        if (score >= 0) hits.push({ e, score });
      }
      hits.sort((a, b) => b.score - a.score || (a.e.summary.code < b.e.summary.code ? -1 : 1));
      return { items: hits.slice(q.skip, q.skip + q.take).map((h) => h.e.summary), total: hits.length };
    },
  };
}
export type ReplicaIndex = ReturnType<typeof createReplicaIndex>;

const indexes = new WeakMap<object, ReplicaIndex>();
/** One index per database client, shared by the routes and the consumer that writes the replica. */
export function replicaIndexFor(db: object, make: () => ReplicaIndex): ReplicaIndex {
  let index = indexes.get(db);
  if (!index) { index = make(); indexes.set(db, index); }
  return index;
}

/**
 * 政务公开 on the portal (internet zone): the read replica of the articles the extranet catalog
 * publishes (openness.article.published / .withdrawn via the OUTBOUND lane), and the public API that
 * reads it: lists by category, search, detail, and an Atom feed. No login needed: this is public
 * information. A withdrawn article disappears from every list, the detail and the feed at once.
 */
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, type HttpApp } from '@hall/http';
import { PageQuery, PageOf, pageWindow, type ServiceContext } from '@hall/service';
import type { OpennessArticlePublished, OpennessArticleWithdrawn } from '@hall/contracts';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;
type EntryRow = NonNullable<Awaited<ReturnType<Db['opennessEntry']['findFirst']>>>;

export const CATEGORY_TEXT: Record<string, string> = { notice: '通知公告', policy: '政策法规', news: '新闻动态', result: '结果公示' };

/** Applies a publication; an older revision than the one held (or a withdrawn one's) changes nothing. */
export async function applyArticlePublished(tx: Tx, p: OpennessArticlePublished['payload']): Promise<void> {
  const cur = await tx.opennessEntry.findUnique({ where: { articleId: p.articleId } });
  if (cur && (cur.revision > p.revision || (cur.revision === p.revision && cur.withdrawnAt))) return;
  const data = {
    revision: p.revision, category: p.category, title: p.title, summary: p.summary ?? null, body: p.body, docNumber: p.docNumber ?? null,
    departmentName: p.departmentName ?? null, tags: p.tags ?? [], attachments: (p.attachments ?? []) as object, result: (p.result ?? undefined) as object | undefined, publishedAt: new Date(p.publishedAt), withdrawnAt: null, updatedAt: new Date(),
  };
  await tx.opennessEntry.upsert({ where: { articleId: p.articleId }, create: { articleId: p.articleId, ...data }, update: data });
}

/** Hides the article; remembered with its revision so a re-delivered older publication stays hidden. */
export async function applyArticleWithdrawn(tx: Tx, p: OpennessArticleWithdrawn['payload']): Promise<void> {
  const cur = await tx.opennessEntry.findUnique({ where: { articleId: p.articleId } });
  const at = new Date(p.withdrawnAt);
  if (!cur) {
    // Withdrawal overtook its publication: keep a tombstone so the publication, when it comes, stays hidden.
    await tx.opennessEntry.create({ data: { articleId: p.articleId, revision: p.revision, category: 'notice', title: '', body: '', publishedAt: at, withdrawnAt: at } });
    return;
  }
  if (cur.revision > p.revision) return;
  await tx.opennessEntry.update({ where: { articleId: p.articleId }, data: { withdrawnAt: at, revision: p.revision, updatedAt: new Date() } });
}

const Summary = Type.Object({
  id: Type.String(), category: Type.String(), categoryText: Type.String(), title: Type.String(), summary: Type.Union([Type.String(), Type.Null()]),
  docNumber: Type.Union([Type.String(), Type.Null()]), departmentName: Type.Union([Type.String(), Type.Null()]), tags: Type.Array(Type.String()), publishedAt: Type.String(),
});
const Detail = Type.Composite([Summary, Type.Object({ body: Type.String(), revision: Type.Integer(), result: Type.Any(), attachments: Type.Array(Type.Object({ index: Type.Integer(), fileName: Type.String(), contentType: Type.String(), size: Type.Integer(), url: Type.String() })) })]);
type Attachment = { key: string; fileName: string; contentType: string; size: number; sha256: string };
const attachmentsOf = (e: EntryRow): Attachment[] => (Array.isArray(e.attachments) ? (e.attachments as Attachment[]) : []);
const summaryOf = (e: EntryRow) => ({
  id: e.articleId, category: e.category, categoryText: CATEGORY_TEXT[e.category] ?? e.category, title: e.title, summary: e.summary, docNumber: e.docNumber,
  departmentName: e.departmentName, tags: e.tags, publishedAt: e.publishedAt.toISOString(),
});
const Category = Type.Union([Type.Literal('notice'), Type.Literal('policy'), Type.Literal('news'), Type.Literal('result')]);

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

function where(q: { category?: string; q?: string }): Prisma.OpennessEntryWhereInput {
  const text = q.q?.trim();
  return {
    withdrawnAt: null,
    ...(q.category ? { category: q.category } : {}),
    ...(text ? { OR: [{ title: { contains: text, mode: 'insensitive' } }, { summary: { contains: text, mode: 'insensitive' } }, { body: { contains: text, mode: 'insensitive' } }, { docNumber: { contains: text, mode: 'insensitive' } }] } : {}),
  };
}

export async function registerOpenness(app: HttpApp, ctx: ServiceContext<unknown, Db>): Promise<void> {
  const db = ctx.prisma;
  const ORDER: Prisma.OpennessEntryOrderByWithRelationInput[] = [{ publishedAt: 'desc' }, { articleId: 'asc' }];

  app.get('/v1/openness/articles', {
    schema: { querystring: Type.Object({ ...PageQuery, category: Type.Optional(Category), q: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: PageOf(Summary) } },
  }, async (req) => {
    const w = where(req.query);
    const [rows, total] = await db.$transaction([db.opennessEntry.findMany({ where: w, orderBy: ORDER, ...pageWindow(req.query) }), db.opennessEntry.count({ where: w })]);
    return { items: rows.map(summaryOf), total, page: req.query.page, pageSize: req.query.pageSize };
  });

  app.get('/v1/openness/articles/:id', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: Detail, 404: ProblemSchema } } }, async (req) => {
    const e = await db.opennessEntry.findUnique({ where: { articleId: req.params.id } });
    if (!e || e.withdrawnAt) throw Problems.notFound('article_not_found', '公开信息不存在或已撤回');
    return {
      ...summaryOf(e), body: e.body, revision: e.revision, result: e.result ?? null,
      attachments: attachmentsOf(e).map((f, index) => ({ index, fileName: f.fileName, contentType: f.contentType, size: f.size, url: `/v1/openness/articles/${e.articleId}/attachments/${index}` })),
    };
  });

  // An attachment's bytes, from the internet object store (the OUTBOUND lane copied and checked them).
  app.get('/v1/openness/articles/:id/attachments/:index', {
    schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }), index: Type.Integer({ minimum: 0, maximum: 19 }) }), response: { 200: Type.Any(), 404: ProblemSchema } },
  }, async (req, reply) => {
    const e = await db.opennessEntry.findUnique({ where: { articleId: req.params.id } });
    const f = e && !e.withdrawnAt ? attachmentsOf(e)[req.params.index] : undefined;
    if (!f || !ctx.store) throw Problems.notFound('attachment_not_found', '附件不存在或已撤回');
    const body = await ctx.store.getBuffer(f.key, 25 * 1024 * 1024).catch(() => null);
    if (!body) throw Problems.notFound('attachment_not_found', '附件不存在或已撤回');
    return reply.type(f.contentType).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.fileName)}`).send(body);
  });

  // Atom 1.0 feed (RFC 4287) of the latest 50 articles, optionally one category.
  app.get('/v1/openness/feed.atom', { schema: { querystring: Type.Object({ category: Type.Optional(Category) }) } }, async (req, reply) => {
    const rows = await db.opennessEntry.findMany({ where: where(req.query), orderBy: ORDER, take: 50 });
    const base = `${req.protocol}://${req.host}`;
    const title = req.query.category ? `网上办事大厅 · ${CATEGORY_TEXT[req.query.category]}` : '网上办事大厅 · 政务公开';
    const updated = (rows[0]?.updatedAt ?? new Date(0)).toISOString();
    const entries = rows.map((e) => [
      '  <entry>',
      `    <id>urn:uuid:${e.articleId}</id>`,
      `    <title>${xml(e.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xml(`${base}/#/openness/${e.articleId}`)}"/>`,
      `    <category term="${e.category}" label="${xml(CATEGORY_TEXT[e.category] ?? e.category)}"/>`,
      `    <published>${e.publishedAt.toISOString()}</published>`,
      `    <updated>${e.updatedAt.toISOString()}</updated>`,
      `    <author><name>${xml(e.departmentName ?? '网上办事大厅')}</name></author>`,
      `    <summary>${xml(e.summary ?? e.body.slice(0, 200))}</summary>`,
      '  </entry>',
    ].join('\n'));
    const doc = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
      `  <id>${xml(`${base}/v1/openness/feed.atom${req.query.category ? `?category=${req.query.category}` : ''}`)}</id>`,
      `  <title>${xml(title)}</title>`,
      `  <updated>${updated}</updated>`,
      `  <link rel="self" href="${xml(`${base}/v1/openness/feed.atom`)}"/>`,
      ...entries,
      '</feed>',
    ].join('\n');
    return reply.type('application/atom+xml; charset=utf-8').send(doc + '\n');
  });
}

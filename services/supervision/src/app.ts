/**
 * E-supervision (电子监察), extranet: consumes every process event (inbound applications, case
 * transitions, certificate issuance) exactly once and rebuilds each case's timeline, labelled with
 * the provincial 7+1 process stages. Warnings, rates and exports build on this table.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { consume } from '@hall/messaging';
import { extendConfig, PageQuery, PageOf, pageWindow, type ServiceDefinition } from '@hall/service';
import type { MessageOf, MessageType } from '@hall/contracts';
import { createPrisma, type Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SupervisionConfig = extendConfig({});

/** The 7+1 stages of the provincial supervision table, by case action. */
const STAGE_OF_ACTION: Record<string, string> = { receive: '网上受理', accept: '受理', reject: '受理', approve: '审批过程', deny: '审批过程', complete: '办结' };

function describe(m: MessageOf<MessageType>): { caseNumber: string | null; department: string | null; stage: string | null } {
  switch (m.type) {
    case 'case.transitioned': return { caseNumber: m.payload.caseNumber, department: m.payload.department, stage: STAGE_OF_ACTION[m.payload.action] ?? null };
    case 'certificate.issued': return { caseNumber: m.payload.caseNumber, department: null, stage: null };
    default: return { caseNumber: null, department: null, stage: null };
  }
}

// Events often share a timestamp (one transaction, one clock tick): without a unique tie-breaker
// Postgres may order ties differently for each page, repeating some events and skipping others.
const NEWEST_FIRST: Prisma.ProcessEventOrderByWithRelationInput[] = [{ occurredAt: 'desc' }, { messageId: 'desc' }];
const IN_ORDER: Prisma.ProcessEventOrderByWithRelationInput[] = [{ occurredAt: 'asc' }, { receivedAt: 'asc' }, { messageId: 'asc' }];

const EventView = Type.Object({ messageId: Type.String(), type: Type.String(), caseNumber: Type.Union([Type.String(), Type.Null()]), stage: Type.Union([Type.String(), Type.Null()]), occurredAt: Type.String(), payload: Type.Any() });

export const definition: ServiceDefinition<typeof SupervisionConfig, Db> = {
  name: 'supervision',
  configSchema: SupervisionConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  auth: true,
  async routes(app, ctx) {
    const supervisor = [app.authenticate, requireRealm('staff'), requireRole('supervisor')];
    const toView = (e: NonNullable<Awaited<ReturnType<Db['processEvent']['findFirst']>>>) => ({ messageId: e.messageId, type: e.type, caseNumber: e.caseNumber, stage: e.stage, occurredAt: e.occurredAt.toISOString(), payload: e.payload });

    app.get('/v1/events', { preHandler: supervisor, schema: { querystring: Type.Object({ ...PageQuery, type: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }), response: { 200: PageOf(EventView) } } }, async (req) => {
      const { skip, take } = pageWindow(req.query);
      const where = req.query.type ? { type: req.query.type } : {};
      const [rows, total] = await ctx.prisma.$transaction([ctx.prisma.processEvent.findMany({ where, orderBy: NEWEST_FIRST, skip, take }), ctx.prisma.processEvent.count({ where })]);
      return { items: rows.map(toView), total, page: req.query.page, pageSize: req.query.pageSize };
    });

    app.get('/v1/cases/:caseNumber/timeline', {
      preHandler: supervisor,
      schema: { params: Type.Object({ caseNumber: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: Type.Object({ caseNumber: Type.String(), events: Type.Array(EventView) }), 404: ProblemSchema } },
    }, async (req) => {
      const events = await ctx.prisma.processEvent.findMany({ where: { caseNumber: req.params.caseNumber }, orderBy: IN_ORDER });
      if (events.length === 0) throw Problems.notFound('case_not_found', '未找到该办件的过程数据');
      return { caseNumber: req.params.caseNumber, events: events.map(toView) };
    });
  },
  async start(ctx) {
    // Idempotent by primary key on the message id: a redelivered event inserts nothing.
    const record = async (m: MessageOf<MessageType>) => {
      // Relay reconciliation reports travel on IN too; they are not process events of any case.
      if (m.type.startsWith('relay.') && m.type.endsWith('.reconciliation')) return;
      const d = describe(m);
      await ctx.prisma.processEvent.createMany({
        data: [{ messageId: m.id, type: m.type, correlationId: m.correlationId, caseNumber: d.caseNumber, department: d.department, stage: d.stage, payload: m.payload as object, occurredAt: new Date(m.occurredAt) }],
        skipDuplicates: true,
      });
    };
    const events = await consume({ nc: ctx.nc, stream: 'X', durable: 'supervision', filterSubjects: ['hall.x.>'] /* nats-server 2.9: one filter per consumer */, logger: ctx.logger, handler: record });
    const inbound = await consume({ nc: ctx.nc, stream: 'IN', durable: 'supervision', filterSubjects: ['hall.in.>'], logger: ctx.logger, handler: record });
    // What the inbound lane refused, with the reason: recorded without the refused bytes themselves,
    // which may hold personal data and stay with the relay's operators.
    const quarantine = await consume({
      nc: ctx.nc, stream: 'QUARANTINE', durable: 'supervision', filterSubjects: ['hall.quarantine.relay'], logger: ctx.logger,
      handler: async (m) => {
        const { raw: _raw, ...payload } = (m as MessageOf<'relay.message.quarantined'>).payload;
        await ctx.prisma.processEvent.createMany({
          data: [{ messageId: m.id, type: m.type, correlationId: m.correlationId, caseNumber: null, department: null, stage: null, payload: payload as object, occurredAt: new Date(m.occurredAt) }],
          skipDuplicates: true,
        });
      },
    });
    ctx.onStop(async () => { await Promise.all([events.stop(), inbound.stop(), quarantine.stop()]); });
  },
};

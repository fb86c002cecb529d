/**
 * 网上预约: for items that need a visit to the hall (visits > 0 in the guide), the applicant books a
 * time slot. Slots are laid out per working day (the national calendar of @hall/calendar) with a
 * capacity each; the booking counter is raised with a guarded UPDATE (booked < capacity) and the
 * table's CHECK refuses an overbooked slot, so concurrent bookings can never exceed it; an account
 * holds at most one active booking per item (unique partial index). Cancelling frees the place.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { audit } from '@hall/db';
import { nextWorkingDay } from '@hall/calendar';
import type { Db } from './db.js';
import type { PortalDeps } from './deps.js';

/** Opening hours of a hall in China time: two morning and two afternoon slots of 90 minutes. */
const SLOT_TIMES = ['09:00', '10:30', '14:30', '16:00'];
const SLOT_MINUTES = 90;
const DAY_MS = 86_400_000;

export class SlotFull extends Error {}
export class AlreadyBooked extends Error {}

const chinaDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

/** The next `days` working days after today (China time). */
export function upcomingWorkingDays(now: Date, days: number): string[] {
  const out: string[] = [];
  let t = Date.parse(`${chinaDay(now.getTime())}T00:00:00Z`) + DAY_MS;
  while (out.length < days) {
    const d = nextWorkingDay(new Date(t).toISOString().slice(0, 10));
    out.push(d);
    t = Date.parse(`${d}T00:00:00Z`) + DAY_MS;
  }
  return out;
}

export function appointmentRepository(db: Db) {
  return {
    /** Creates the slots of the coming working days that do not exist yet (idempotent). */
    async ensureSlots(itemCode: string, days: string[], capacity: number): Promise<void> {
      const rows = days.flatMap((d) => SLOT_TIMES.map((t) => {
        const startsAt = new Date(`${d}T${t}:00+08:00`);
        return { id: randomUUID(), itemCode, startsAt, endsAt: new Date(startsAt.getTime() + SLOT_MINUTES * 60_000), capacity };
      }));
      await db.appointmentSlot.createMany({ data: rows, skipDuplicates: true });
    },
    slots: (itemCode: string, from: Date, to: Date) => db.appointmentSlot.findMany({ where: { itemCode, startsAt: { gte: from, lt: to } }, orderBy: { startsAt: 'asc' } }),
    async book(b: { accountId: string; actorId: string; slotId: string; applicationId?: string }) {
      return db.$transaction(async (tx) => {
        // The guard and the increment are one statement: two bookings for the last place cannot both pass.
        const [slot] = await tx.$queryRawUnsafe<{ id: string; item_code: string; starts_at: Date; ends_at: Date }[]>(
          'UPDATE appointment_slot SET booked = booked + 1 WHERE id = $1::uuid AND booked < capacity AND starts_at > now() RETURNING id::text, item_code, starts_at, ends_at', b.slotId);
        if (!slot) throw new SlotFull();
        const id = randomUUID();
        const code = `YY${chinaDay(slot.starts_at.getTime()).replace(/-/g, '')}${id.replace(/-/g, '').slice(0, 6).toUpperCase()}`;
        try {
          // A savepoint-free check: the unique partial index raises P2002 and the whole transaction (with the increment) rolls back.
          const row = await tx.appointment.create({ data: { id, code, accountId: b.accountId, slotId: slot.id, itemCode: slot.item_code, applicationId: b.applicationId ?? null, status: 'booked' } });
          await audit(tx, { actor: b.actorId, action: 'appointment.book', target: id, detail: { slotId: slot.id, itemCode: slot.item_code, onBehalfOf: b.accountId } });
          return { row, slot };
        } catch (err) {
          if ((err as { code?: string }).code === 'P2002') throw new AlreadyBooked();
          throw err;
        }
      });
    },
    async cancel(accountId: string, actorId: string, id: string): Promise<boolean | 'already'> {
      return db.$transaction(async (tx) => {
        const a = await tx.appointment.findFirst({ where: { id, accountId } });
        if (!a) return false;
        const n = (await tx.appointment.updateMany({ where: { id, status: 'booked' }, data: { status: 'cancelled', cancelledAt: new Date() } })).count;
        if (n === 0) return 'already';
        await tx.$executeRawUnsafe('UPDATE appointment_slot SET booked = booked - 1 WHERE id = $1::uuid', a.slotId);
        await audit(tx, { actor: actorId, action: 'appointment.cancel', target: id });
        return true;
      });
    },
    list: (accountId: string) => db.appointment.findMany({ where: { accountId }, orderBy: { createdAt: 'desc' }, take: 100 }),
    slotsById: async (ids: string[]) => new Map((await db.appointmentSlot.findMany({ where: { id: { in: ids } } })).map((s) => [s.id, s])),
  };
}

const SlotView = Type.Object({ slotId: Type.String(), startsAt: Type.String(), endsAt: Type.String(), capacity: Type.Integer(), remaining: Type.Integer() });
const AppointmentView = Type.Object({
  appointmentId: Type.String(), code: Type.String(), itemCode: Type.String(), itemName: Type.String(), place: Type.String(), status: Type.String(), statusText: Type.String(),
  startsAt: Type.String(), endsAt: Type.String(), applicationId: Type.Union([Type.String(), Type.Null()]),
});

export async function appointmentRoutes(d: PortalDeps): Promise<void> {
  const { app, applicant, acting } = d;
  const appointments = appointmentRepository(d.ctx.prisma);
  const guideOf = async (code: string) => {
    const json = await d.replica.index.guideJson(code);
    return json ? JSON.parse(json) as { name: string; visits?: number; status?: string; guide: Record<string, string> } : null;
  };
  const viewOf = async (rows: Awaited<ReturnType<typeof appointments.list>>) => {
    const slots = await appointments.slotsById(rows.map((r) => r.slotId));
    return Promise.all(rows.map(async (r) => {
      const s = slots.get(r.slotId)!;
      const g = await guideOf(r.itemCode);
      return {
        appointmentId: r.id, code: r.code, itemCode: r.itemCode, itemName: g?.name ?? r.itemCode, place: g?.guide.place ?? '', status: r.status, statusText: r.status === 'booked' ? '已预约' : '已取消',
        startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), applicationId: r.applicationId,
      };
    }));
  };

  // Slots are public (like the guide): anyone may see when the hall has room.
  app.get('/v1/items/:code/slots', {
    schema: { params: Type.Object({ code: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ items: Type.Array(SlotView) }), 400: ProblemSchema, 404: ProblemSchema } },
  }, async (req) => {
    const g = await guideOf(req.params.code);
    if (!g || g.status === 'retired') throw Problems.notFound('item_not_found', '事项不存在或尚未发布');
    if (!g.visits) throw Problems.badRequest('appointment_not_needed', '该事项无需到现场办理，不提供预约');
    const days = upcomingWorkingDays(new Date(), d.ctx.config.APPOINTMENT_DAYS);
    await appointments.ensureSlots(req.params.code, days, d.ctx.config.APPOINTMENT_SLOT_CAPACITY);
    const rows = await appointments.slots(req.params.code, new Date(), new Date(Date.parse(`${days.at(-1)}T23:59:59+08:00`)));
    return { items: rows.map((s) => ({ slotId: s.id, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), capacity: s.capacity, remaining: s.capacity - s.booked })) };
  });

  app.post('/v1/appointments', {
    preHandler: applicant,
    schema: {
      body: StrictObject({ slotId: Type.String({ format: 'uuid' }), applicationId: Type.Optional(Type.String({ format: 'uuid' })) }),
      response: { 201: AppointmentView, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
    },
  }, async (req, reply) => {
    const owner = await acting(req);
    if (req.body.applicationId && !(await d.ctx.prisma.application.count({ where: { id: req.body.applicationId, accountId: owner.ownerId } }))) {
      throw Problems.notFound('application_not_found', '申报不存在');
    }
    if (!(await d.ctx.prisma.appointmentSlot.count({ where: { id: req.body.slotId } }))) throw Problems.notFound('slot_not_found', '预约时段不存在');
    try {
      const { row } = await appointments.book({ accountId: owner.ownerId, actorId: owner.actorId, slotId: req.body.slotId, applicationId: req.body.applicationId });
      reply.code(201);
      return (await viewOf([row]))[0]!;
    } catch (err) {
      if (err instanceof SlotFull) throw Problems.conflict('slot_full', '该时段已约满或已过期，请选择其他时段');
      if (err instanceof AlreadyBooked) throw Problems.conflict('already_booked', '您已预约该事项，请先取消原预约');
      throw err;
    }
  });

  app.get('/v1/appointments', { preHandler: applicant, schema: { response: { 200: Type.Object({ items: Type.Array(AppointmentView) }) } } }, async (req) => ({
    items: await viewOf(await appointments.list((await acting(req)).ownerId)),
  }));

  app.post('/v1/appointments/:id/cancel', {
    preHandler: applicant,
    schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: AppointmentView, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req) => {
    const owner = await acting(req);
    const r = await appointments.cancel(owner.ownerId, owner.actorId, req.params.id);
    if (r === false) throw Problems.notFound('appointment_not_found', '预约不存在');
    if (r === 'already') throw Problems.conflict('appointment_cancelled', '该预约已取消');
    const row = (await appointments.list(owner.ownerId)).find((a) => a.id === req.params.id)!;
    return (await viewOf([row]))[0]!;
  });
}

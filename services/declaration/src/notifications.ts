/**
 * Notifications (短信/邮件提醒) at each status change, through @hall/notify's outbox: the message is
 * written in the transaction of the change, and a dispatcher hands it to the configured sender with
 * retries. Senders, chosen by NOTIFY_SENDER:
 * - `portal` (the demo default): delivers into the applicant's 我的消息 page on the portal;
 * - `mailbox`: one text file per recipient (NOTIFY_MAILBOX_DIR);
 * - `webhook`: a real SMS/e-mail gateway over HTTP (NOTIFY_WEBHOOK_URL, NOTIFY_WEBHOOK_TOKEN).
 * Recipients: the account's contact settings (phone and/or e-mail), else the phone number given
 * on the application's form.
 */
import os from 'node:os';
import path from 'node:path';
import { enqueueNotification, createMailboxSender, type NotificationSender } from '@hall/notify';
import { createWebhookSender } from '@hall/notify/webhook';
import { ConfigError } from '@hall/config';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, StrictObject } from '@hall/http';
import { PageQuery, PageOf, pageWindow } from '@hall/service';
import type { PortalDeps } from './deps.js';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';

type Tx = Prisma.TransactionClient;
export const PHONE = /^1[3-9]\d{9}$/;
const SIGNATURE = '【网上办事大厅】';

/** The demo sender: the portal's 我的消息 page is where a person reads what was "sent". */
export function createPortalSender(db: Db): NotificationSender {
  return {
    async send(n) {
      const owner = await db.notificationOwner.findUnique({ where: { notificationId: n.id } });
      if (!owner) throw new Error(`notification ${n.id} has no owner`);
      // Idempotent: a retry after a crash between delivery and marking it sent delivers nothing twice.
      await db.portalMessage.createMany({
        data: [{ id: n.id, accountId: owner.accountId, applicationId: owner.applicationId, channel: n.channel, recipient: n.recipient, subject: n.subject, body: n.body }],
        skipDuplicates: true,
      });
    },
  };
}

export interface NotifyConfig { NOTIFY_SENDER: 'portal' | 'mailbox' | 'webhook'; NOTIFY_MAILBOX_DIR?: string; NOTIFY_WEBHOOK_URL?: string; NOTIFY_WEBHOOK_TOKEN?: string }

export function senderFromConfig(config: NotifyConfig, db: Db): NotificationSender {
  switch (config.NOTIFY_SENDER) {
    case 'mailbox': return createMailboxSender(config.NOTIFY_MAILBOX_DIR ?? path.join(os.tmpdir(), 'hall-mailbox-declaration'));
    case 'webhook':
      if (!config.NOTIFY_WEBHOOK_URL) throw new ConfigError([{ variable: 'NOTIFY_WEBHOOK_URL', message: 'is required when NOTIFY_SENDER=webhook' }]);
      return createWebhookSender({ url: config.NOTIFY_WEBHOOK_URL, token: config.NOTIFY_WEBHOOK_TOKEN });
    default: return createPortalSender(db);
  }
}

/** A page of the portal at its public address (PORTAL_PUBLIC_URL), for links in SMS and e-mail; null when no address is configured. */
export const portalLink = (portalUrl: string | undefined, hashPath: string): string | null => (portalUrl ? `${portalUrl.replace(/\/+$/, '')}/#${hashPath}` : null);

/** Writes one notification per contact channel of the account, in the caller's transaction; `link` (the portal's public address) ends the text. */
export async function notifyAccount(tx: Tx, to: { accountId: string; applicationId?: string | null; fallbackPhone?: string | null }, subject: string, text: string, link?: string | null): Promise<number> {
  const body = link ? `${text}详情：${link}` : text;
  const contact = await tx.notificationContact.findUnique({ where: { accountId: to.accountId } });
  const targets: { channel: 'sms' | 'email'; recipient: string }[] = [];
  const phone = contact?.phone ?? (contact?.email ? null : to.fallbackPhone ?? null);
  if (phone) targets.push({ channel: 'sms', recipient: phone });
  if (contact?.email) targets.push({ channel: 'email', recipient: contact.email });
  for (const t of targets) {
    const id = await enqueueNotification(tx, { ...t, subject, body: t.channel === 'sms' ? `${SIGNATURE}${body}` : body });
    await tx.notificationOwner.create({ data: { notificationId: id, accountId: to.accountId, applicationId: to.applicationId ?? null } });
  }
  return targets.length;
}

/** The phone number an applicant gave on the form (field `phone`, `contactPhone` or `mobile`), if any. */
export function phoneFromForm(form: Record<string, unknown>): string | null {
  for (const k of ['phone', 'contactPhone', 'mobile']) {
    const v = form[k];
    if (typeof v === 'string' && PHONE.test(v)) return v;
  }
  return null;
}

export function notificationRepository(db: Db) {
  return {
    contact: (accountId: string) => db.notificationContact.findUnique({ where: { accountId } }),
    setContact: (accountId: string, c: { phone: string | null; email: string | null }) =>
      db.notificationContact.upsert({ where: { accountId }, create: { accountId, ...c }, update: { ...c, updatedAt: new Date() } }),
    messages: (accountId: string, q: { skip: number; take: number }) => db.$transaction([
      db.portalMessage.findMany({ where: { accountId }, orderBy: [{ deliveredAt: 'desc' }, { id: 'asc' }], skip: q.skip, take: q.take }),
      db.portalMessage.count({ where: { accountId } }),
      db.portalMessage.count({ where: { accountId, readAt: null } }),
    ]),
    markRead: async (accountId: string, id: string) => (await db.portalMessage.updateMany({ where: { id, accountId, readAt: null }, data: { readAt: new Date() } })).count > 0
      || (await db.portalMessage.count({ where: { id, accountId } })) > 0,
  };
}

const ContactBody = StrictObject({
  phone: Type.Union([Type.String({ pattern: '^1[3-9]\\d{9}$' }), Type.Null()]),
  email: Type.Union([Type.String({ format: 'email', maxLength: 200 }), Type.Null()]),
});
const MessageView = Type.Object({
  messageId: Type.String(), channel: Type.String(), recipient: Type.String(), subject: Type.String(), body: Type.String(),
  applicationId: Type.Union([Type.String(), Type.Null()]), deliveredAt: Type.String(), read: Type.Boolean(),
});

/** 我的消息 and the account's notification contact. */
export async function notificationRoutes(d: PortalDeps): Promise<void> {
  const { app, applicant, acting } = d;
  const repo = notificationRepository(d.ctx.prisma);

  app.get('/v1/me/contact', { preHandler: applicant, schema: { response: { 200: ContactBody } } }, async (req) => {
    const c = await repo.contact((await acting(req)).ownerId);
    return { phone: c?.phone ?? null, email: c?.email ?? null };
  });

  app.put('/v1/me/contact', { preHandler: applicant, schema: { body: ContactBody, response: { 200: ContactBody, 400: ProblemSchema } } }, async (req) => {
    const owner = await acting(req);
    const c = await repo.setContact(owner.ownerId, { phone: req.body.phone, email: req.body.email });
    return { phone: c.phone, email: c.email };
  });

  app.get('/v1/messages', {
    preHandler: applicant,
    schema: { querystring: Type.Object(PageQuery), response: { 200: Type.Composite([PageOf(MessageView), Type.Object({ unread: Type.Integer() })]) } },
  }, async (req) => {
    const [rows, total, unread] = await repo.messages((await acting(req)).ownerId, pageWindow(req.query));
    return {
      items: rows.map((m) => ({ messageId: m.id, channel: m.channel, recipient: m.recipient, subject: m.subject, body: m.body, applicationId: m.applicationId, deliveredAt: m.deliveredAt.toISOString(), read: m.readAt !== null })),
      total, unread, page: req.query.page, pageSize: req.query.pageSize,
    };
  });

  app.post('/v1/messages/:id/read', { preHandler: applicant, schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), 404: ProblemSchema } } }, async (req, reply) => {
    if (!(await repo.markRead((await acting(req)).ownerId, req.params.id))) throw Problems.notFound('message_not_found', '消息不存在');
    reply.code(204).send(null);
  });
}

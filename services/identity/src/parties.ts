/**
 * Who may act for whom in the public realm: legal persons (法人) with their legal representative,
 * the handlers (经办人) the representative authorises, and the consents citizens give to
 * service-point agents (代办员). `representation` is the single question the declaration service
 * asks on every request made on someone else's behalf, so a revocation takes effect at once.
 */
import { randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import type { Db } from './db.js';

export type Relation = 'legal_representative' | 'handler' | 'agent';
export interface Representation { partyId: string; partyKind: 'legal_person' | 'person'; partyName: string; relation: Relation }

export function partyRepository(db: Db) {
  return {
    findLegalPerson: (id: string) => db.legalPerson.findUnique({ where: { id } }),
    findByCreditCode: (creditCode: string) => db.legalPerson.findUnique({ where: { creditCode } }),

    async createLegalPerson(input: { creditCode: string; name: string; legalRepId: string }) {
      return db.$transaction(async (tx) => {
        const row = await tx.legalPerson.create({ data: { id: randomUUID(), ...input } });
        await audit(tx, { actor: input.legalRepId, action: 'legal_person.registered', target: row.id, detail: { creditCode: input.creditCode, name: input.name } });
        return row;
      });
    },

    async grantHandler(legalPersonId: string, handlerId: string, actor: string) {
      return db.$transaction(async (tx) => {
        const active = await tx.handlerGrant.findFirst({ where: { legalPersonId, handlerId, revokedAt: null } });
        if (active) return active;
        const row = await tx.handlerGrant.create({ data: { id: randomUUID(), legalPersonId, handlerId, grantedBy: actor } });
        await audit(tx, { actor, action: 'handler.granted', target: legalPersonId, detail: { handlerId, grantId: row.id } });
        return row;
      });
    },

    /** Returns whether an active grant was revoked. */
    async revokeHandler(legalPersonId: string, handlerId: string, actor: string): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const r = await tx.handlerGrant.updateMany({ where: { legalPersonId, handlerId, revokedAt: null }, data: { revokedAt: new Date(), revokedBy: actor } });
        if (r.count) await audit(tx, { actor, action: 'handler.revoked', target: legalPersonId, detail: { handlerId } });
        return r.count > 0;
      });
    },

    listHandlers: (legalPersonId: string) => db.$queryRawUnsafe<{ handlerId: string; name: string; username: string; grantedAt: Date }[]>(
      `SELECT g.handler_id::text AS "handlerId", a.name, a.username, g.granted_at AS "grantedAt"
         FROM handler_grant g JOIN account a ON a.id = g.handler_id
        WHERE g.legal_person_id = $1::uuid AND g.revoked_at IS NULL ORDER BY g.granted_at`, legalPersonId),

    /**
     * A new consent replaces an active one. With `days` the citizen chose the period and it holds;
     * without (`days` null: the default period) a re-authorisation never shortens the consent in force.
     */
    async giveConsent(citizenId: string, agentId: string, days: number | null, defaultDays: number) {
      return db.$transaction(async (tx) => {
        const now = Date.now();
        const active = await tx.agentConsent.findFirst({ where: { citizenId, agentId, revokedAt: null, expiresAt: { gt: new Date(now) } }, orderBy: { expiresAt: 'desc' } });
        let expiresAt = new Date(now + (days ?? defaultDays) * 86_400_000);
        if (days === null && active && active.expiresAt > expiresAt) expiresAt = active.expiresAt;
        await tx.agentConsent.updateMany({ where: { citizenId, agentId, revokedAt: null }, data: { revokedAt: new Date() } });
        const row = await tx.agentConsent.create({ data: { id: randomUUID(), citizenId, agentId, expiresAt } });
        await audit(tx, { actor: citizenId, action: 'agent_consent.given', target: citizenId, detail: { agentId, consentId: row.id, expiresAt: row.expiresAt.toISOString() } });
        return row;
      });
    },

    async withdrawConsent(citizenId: string, consentId: string): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const r = await tx.agentConsent.updateMany({ where: { id: consentId, citizenId, revokedAt: null }, data: { revokedAt: new Date() } });
        if (r.count) await audit(tx, { actor: citizenId, action: 'agent_consent.withdrawn', target: citizenId, detail: { consentId } });
        return r.count > 0;
      });
    },

    listConsents: (citizenId: string) => db.$queryRawUnsafe<{ id: string; agentId: string; agentName: string; servicePoint: string | null; grantedAt: Date; expiresAt: Date }[]>(
      `SELECT c.id::text, c.agent_id::text AS "agentId", a.name AS "agentName", a.service_point AS "servicePoint", c.granted_at AS "grantedAt", c.expires_at AS "expiresAt"
         FROM agent_consent c JOIN account a ON a.id = c.agent_id
        WHERE c.citizen_id = $1::uuid AND c.revoked_at IS NULL AND c.expires_at > now() ORDER BY c.granted_at`, citizenId),

    /** Everyone and everything the actor may currently act for (besides themselves). */
    representations: (actorId: string, partyId?: string) => db.$queryRawUnsafe<Representation[]>(
      `SELECT * FROM (
         SELECT l.id::text AS "partyId", 'legal_person' AS "partyKind", l.name AS "partyName", 'legal_representative' AS relation
           FROM legal_person l WHERE l.legal_rep_id = $1::uuid
         UNION ALL
         SELECT l.id::text, 'legal_person', l.name, 'handler'
           FROM handler_grant g JOIN legal_person l ON l.id = g.legal_person_id
          WHERE g.handler_id = $1::uuid AND g.revoked_at IS NULL
         UNION ALL
         SELECT a.id::text, 'person', a.name, 'agent'
           FROM agent_consent c JOIN account a ON a.id = c.citizen_id
          WHERE c.agent_id = $1::uuid AND c.revoked_at IS NULL AND c.expires_at > now() AND NOT a.disabled
       ) r WHERE $2::text IS NULL OR r."partyId" = $2::text`, actorId, partyId ?? null),
  };
}

/** API clients of the data-exchange API (client-credentials grant): SQL for clients. */
import { randomUUID } from 'node:crypto';
import { audit } from '@hall/db';
import type { Db } from './db.js';

export function clientRepository(db: Db) {
  return {
    findByClientId: (clientId: string) => db.apiClient.findUnique({ where: { clientId } }),
    async ensure(input: { clientId: string; secretHash: string; name: string; department: string; scopes: string[] }, actor: string): Promise<boolean> {
      return db.$transaction(async (tx) => {
        if (await tx.apiClient.findUnique({ where: { clientId: input.clientId } })) return false;
        const row = await tx.apiClient.create({ data: { id: randomUUID(), ...input } });
        await audit(tx, { actor, action: 'api_client.created', target: row.id, detail: { clientId: input.clientId, department: input.department, scopes: input.scopes } });
        return true;
      });
    },
    async setDisabled(clientId: string, disabled: boolean, actor: string) {
      return db.$transaction(async (tx) => {
        const r = await tx.apiClient.updateMany({ where: { clientId }, data: { disabled } });
        if (r.count) await audit(tx, { actor, action: disabled ? 'api_client.disabled' : 'api_client.enabled', target: clientId });
        return r.count > 0;
      });
    },
  };
}

import { startOrCleanup } from '@hall/testkit';
/**
 * Boots the real identity service (app.ts) for one realm on real Postgres and its zone's NATS:
 * the public realm in the internet zone, the staff realm in the extranet. createServiceEnv writes
 * the zone's signing key and the matching public key, so the service verifies its own tokens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { startService, type RunningService } from '@hall/service';
import { createServiceEnv, type ServiceEnv } from '@hall/testkit/service-env';
import { definition, type IdentityConfig } from '../src/app.js';
import type { Db } from '../src/db.js';
import { accountRepository } from '../src/accounts.js';
import { hashPassword } from '../src/passwords.js';

export { DEMO_PASSWORD } from '../src/seed.js';
export { waitFor } from '@hall/testkit';

export type Realm = 'public' | 'staff';

export interface Harness {
  svc: RunningService<Static<typeof IdentityConfig>, Db>;
  env: ServiceEnv;
  realm: Realm;
  login(username: string, password: string): Promise<LightMyRequestResponse>;
  me(token?: string): Promise<LightMyRequestResponse>;
  /** Inserts an account through the repository (audited like any other); returns its id. */
  addAccount(username: string, password: string, extra?: { roles?: string[]; department?: string; positions?: string[]; disabled?: boolean }): Promise<string>;
  /** The demo notification sender's folder: one text file per recipient. */
  mailbox: string;
  close(): Promise<void>;
}

export async function startIdentity(realm: Realm, extraEnv: Record<string, string> = {}): Promise<Harness> {
  const zone = realm === 'public' ? 'internet' : 'extranet';
  const mailbox = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-mailbox-'));
  const env = await createServiceEnv({
    zone, natsUser: 'identity',
    env: { REALM: realm, IDENTITY_DATA_KEY: randomBytes(32).toString('base64'), NOTIFY_MAILBOX_DIR: mailbox, ...extraEnv },
  });
  const svc: Harness['svc'] = await startOrCleanup(env, () => startService(definition, env.env));
  const accounts = accountRepository(svc.ctx.prisma);
  return {
    svc, env, realm,
    login: (username, password) => svc.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } }),
    me: (token) => svc.app.inject({ method: 'GET', url: '/v1/me', headers: token ? { authorization: `Bearer ${token}` } : {} }),
    addAccount: async (username, password, extra = {}) => {
      const created = await accounts.ensure({
        realm, username, passwordHash: await hashPassword(password), name: `测试-${username}`,
        kind: realm === 'public' ? 'person' : 'staff', roles: extra.roles ?? [], positions: extra.positions ?? [],
        ...(extra.department ? { department: extra.department } : {}), ...(extra.disabled ? { disabled: true } : {}),
      }, 'test');
      if (!created) throw new Error(`account ${username} already exists`);
      return (await accounts.findByUsername(realm, username))!.id;
    },
    mailbox,
    close: async () => { await svc.stop(); await env.cleanup(); fs.rmSync(mailbox, { recursive: true, force: true }); },
  };
}

/** The decoded header and claims of a compact JWS (no verification: the service under test verifies). */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, c] = token.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')), claims: JSON.parse(Buffer.from(c!, 'base64url').toString('utf8')) };
}

/**
 * Unified identity (统一身份认证), one codebase deployed as two realms: `public` in the internet
 * zone (citizens, legal persons with their handlers, service-point agents) and `staff` in the
 * extranet (department staff with positions and region, supervisors, administrators, and the API
 * clients of the data-exchange API). Each realm signs its own tokens with its own rotating keys and
 * publishes them as a JWKS that every other service of its zone verifies from.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, Vars } from '@hall/config';
import { authPlugin, regionLevelOf } from '@hall/auth';
import { extendConfig, type ServiceDefinition } from '@hall/service';
import { createMailboxSender, createNotificationDispatcher } from '@hall/notify';
import { createPrisma, type Db } from './db.js';
import { accountRepository } from './accounts.js';
import { refreshTokenRepository } from './tokens.js';
import { partyRepository } from './parties.js';
import { clientRepository } from './clients.js';
import { resetRepository } from './resets.js';
import { createKeystore } from './keystore.js';
import { createRateLimiter } from './ratelimit.js';
import { createDataKey, parseDataKey } from './secrets.js';
import { hashPassword } from './passwords.js';
import { normalizeIdNumber } from './checks.js';
import { demoAccounts, DEMO_CLIENT, DEMO_COMPANY, DEMO_CONSENT } from './seed.js';
import { sessionRoutes } from './session-routes.js';
import { partyRoutes } from './party-routes.js';
import { adminRoutes } from './admin-routes.js';
import type { IdentityDeps } from './deps.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const IdentityConfig = extendConfig({
  REALM: Type.Union([Type.Literal('public'), Type.Literal('staff')]),
  /** 32+ random bytes, base64: keyed hash of ID numbers, encryption of ID numbers and private keys. */
  IDENTITY_DATA_KEY: Vars.secret(),
  /** JSON { kid, alg, privateKeyPem, publicKeyPem }: imported as the first signing key (else one is generated). */
  AUTH_SIGNING_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 900 }),
  CLIENT_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 600 }),
  /**
   * Staff realm: the data-exchange service's own client credentials. Its tokens carry the zone's
   * audience (approval, certificate and catalog accept them); every other client's token carries
   * the exchange's audience only, so a client can call nothing but the exchange.
   */
  EXCHANGE_CLIENT_ID: Type.String({ minLength: 1, maxLength: 64, default: 'hall-exchange' }),
  EXCHANGE_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, default: 7 * 86_400 }),
  /** Rotate the signing key automatically once it is this old; 0 = only on request. */
  KEY_ROTATE_AFTER_HOURS: Type.Integer({ minimum: 0, default: 720 }),
  LOGIN_LOCK_THRESHOLD: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_LOCK_MINUTES: Type.Integer({ minimum: 1, default: 15 }),
  /** Login attempts per username per minute, and per client address per minute. */
  LOGIN_RATE_PER_USER: Type.Integer({ minimum: 1, default: 20 }),
  LOGIN_RATE_PER_IP: Type.Integer({ minimum: 1, default: 300 }),
  /** Password-reset requests per username per hour, and reset/registration calls per address per minute. */
  RESET_RATE_PER_USER: Type.Integer({ minimum: 1, default: 3 }),
  RESET_RATE_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  RESET_CODE_MINUTES: Type.Integer({ minimum: 1, maximum: 60, default: 10 }),
  CONSENT_DEFAULT_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 90 }),
  /** Demo notification sender: one text file per recipient in this folder. */
  NOTIFY_MAILBOX_DIR: Type.Optional(Type.String({ minLength: 1 })),
});
export type IdentityConfigType = Static<typeof IdentityConfig>;

export const definition: ServiceDefinition<typeof IdentityConfig, Db> = {
  name: 'identity',
  configSchema: IdentityConfig,
  migrationsDir: path.resolve(here, '../prisma/migrations'),
  createPrisma,
  // Identity verifies its own tokens from its keystore (below), not from a file or its own JWKS.
  auth: false,
  async routes(app, ctx) {
    const { config, prisma: db } = ctx;
    const missing = (['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const).filter((k) => !config[k]);
    if (missing.length) throw new ConfigError(missing.map((variable) => ({ variable, message: 'is required' })));
    let dataKey;
    try { dataKey = createDataKey(parseDataKey(config.IDENTITY_DATA_KEY)); } catch (err) {
      throw new ConfigError([{ variable: 'IDENTITY_DATA_KEY', message: (err as Error).message }]);
    }
    const keystore = createKeystore({
      db, dataKey, issuer: config.AUTH_ISSUER!, audience: config.AUTH_AUDIENCE!, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      // A retired key stays published for the longest token lifetime plus the verifiers' clock tolerance.
      retireAfterSeconds: Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.CLIENT_TOKEN_TTL_SECONDS) + 60,
    });
    await keystore.ensureActive(config.AUTH_SIGNING_KEY_FILE);
    await app.register(authPlugin, { keySource: keystore, issuer: config.AUTH_ISSUER!, audience: config.AUTH_AUDIENCE! });

    const sender = createMailboxSender(config.NOTIFY_MAILBOX_DIR ?? path.join(os.tmpdir(), `hall-mailbox-${config.REALM}`));
    const notifications = createNotificationDispatcher({ db, sender, logger: ctx.logger });
    notifications.start();
    ctx.onStop(() => notifications.stop());

    if (config.KEY_ROTATE_AFTER_HOURS > 0) {
      const timer = setInterval(async () => {
        try {
          const active = await db.signingKey.findFirst({ where: { active: true } });
          if (active && Date.now() - active.createdAt.getTime() > config.KEY_ROTATE_AFTER_HOURS * 3_600_000) {
            const r = await keystore.rotate('system');
            ctx.logger.info({ kid: r.kid, retired: r.retired }, 'signing key rotated');
          }
        } catch (err) { ctx.logger.error({ err: (err as Error).message }, 'signing key rotation failed'); }
      }, 3_600_000);
      timer.unref();
      ctx.onStop(() => clearInterval(timer));
    }

    const d: IdentityDeps = {
      app, config, db, dataKey, keystore, notifications, clock: ctx.clock,
      accounts: accountRepository(db),
      refreshTokens: refreshTokenRepository(db, config.REFRESH_TOKEN_TTL_SECONDS),
      parties: partyRepository(db),
      clients: clientRepository(db),
      resets: resetRepository(db, dataKey, config.RESET_CODE_MINUTES),
      limits: {
        loginUser: createRateLimiter({ limit: config.LOGIN_RATE_PER_USER, windowMs: 60_000 }),
        loginIp: createRateLimiter({ limit: config.LOGIN_RATE_PER_IP, windowMs: 60_000 }),
        reset: createRateLimiter({ limit: config.RESET_RATE_PER_USER, windowMs: 3_600_000 }),
        resetIp: createRateLimiter({ limit: config.RESET_RATE_PER_IP, windowMs: 60_000 }),
        client: createRateLimiter({ limit: config.LOGIN_RATE_PER_USER * 6, windowMs: 60_000 }),
      },
    };
    await sessionRoutes(d);
    if (config.REALM === 'public') await partyRoutes(d);
    else await adminRoutes(d);
  },
  async seed(ctx) {
    const { prisma: db, config } = ctx;
    const dataKey = createDataKey(parseDataKey(config.IDENTITY_DATA_KEY));
    const accounts = accountRepository(db);
    // Only accounts not there yet cost a scrypt hash: a restart (or a second instance) of the staff
    // realm found its 81 demo accounts and hashed them all again, seconds of CPU for nothing.
    // Hashes in parallel (scrypt runs on the thread pool), then inserts in a fixed order.
    const wanted = demoAccounts(config.REALM);
    const present = new Set((await db.account.findMany({ where: { realm: config.REALM, username: { in: wanted.map((a) => a.username) } }, select: { username: true } })).map((a) => a.username));
    const demo = await Promise.all(wanted.filter((a) => !present.has(a.username)).map(async ({ password, idNumber, ...rest }) => {
      const id = idNumber ? normalizeIdNumber(idNumber) : undefined;
      const regionLevel = rest.region ? regionLevelOf(rest.region) : undefined;
      return {
        ...rest, passwordHash: await hashPassword(password, 'published'),
        ...(id ? { idNumberHash: dataKey.hash(`id:${id}`), idNumberEnc: dataKey.encrypt(id) } : {}),
        ...(regionLevel ? { regionLevel } : {}),
      };
    }));
    let created = 0;
    for (const a of demo) if (await accounts.ensure(a, 'seed')) created++;
    if (config.REALM === 'public') {
      const parties = partyRepository(db);
      const rep = (await accounts.findByUsername('public', DEMO_COMPANY.legalRep))!;
      const company = (await parties.findByCreditCode(DEMO_COMPANY.creditCode)) ?? (await parties.createLegalPerson({ creditCode: DEMO_COMPANY.creditCode, name: DEMO_COMPANY.name, legalRepId: rep.id }));
      const handler = (await accounts.findByUsername('public', DEMO_COMPANY.handler))!;
      await parties.grantHandler(company.id, handler.id, rep.id);
      const citizen = (await accounts.findByUsername('public', DEMO_CONSENT.citizen))!;
      const agent = (await accounts.findByUsername('public', DEMO_CONSENT.agent))!;
      if (!(await parties.representations(agent.id, citizen.id)).length) await parties.giveConsent(citizen.id, agent.id, 365, config.CONSENT_DEFAULT_DAYS);
    } else {
      const { clientSecret, ...client } = DEMO_CLIENT;
      await clientRepository(db).ensure({ ...client, secretHash: await hashPassword(clientSecret, 'published') }, 'seed');
    }
    ctx.logger.info({ created }, 'demo accounts seeded');
  },
};

/** Shared fixtures of the messaging tests: sample messages, a quiet logger, a migrated database. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { buildMessage } from '@hall/contracts';
import { createLogger } from '@hall/logging';
import type { NatsZoneServer } from '@hall/testkit';
import { connectNats, MESSAGING_MIGRATION_DIR } from '../src/index.js';

export const logger = createLogger({ service: 'messaging-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function applicationSubmitted(n = 1) {
  const applicationId = randomUUID();
  return buildMessage('application.submitted', {
    zone: 'internet',
    correlationId: applicationId,
    payload: {
      applicationId,
      receiptNo: `R${String(n).padStart(6, '0')}`,
      itemCode: '11440400MB2C9310XQ',
      itemVersion: 3,
      applicant: { accountId: 'acc-1', name: '张三', kind: 'person' },
      form: { n },
      materials: [],
      submittedAt: new Date().toISOString(),
    },
  });
}

export function caseTransitioned(n = 1) {
  const caseId = randomUUID();
  return buildMessage('case.transitioned', {
    zone: 'extranet',
    correlationId: caseId,
    payload: {
      caseId,
      caseNumber: `ZH-2026-${String(n).padStart(6, '0')}`,
      applicationId: randomUUID(),
      itemCode: '11440400MB2C9310XQ',
      department: 'market',
      action: 'accept',
      from: 'received',
      to: 'accepted',
      actor: 'staff-1',
      at: new Date().toISOString(),
    },
  });
}

export function userConnection(server: NatsZoneServer, user: string, name = user) {
  const u = server.users[user];
  if (!u) throw new Error(`no user ${user}`);
  return connectNats({ servers: server.url, user: u.user, pass: u.pass, name, logger, reconnectTimeWaitMs: 200 });
}

export async function migrate(url: string): Promise<void> {
  const sql = await readFile(join(MESSAGING_MIGRATION_DIR, 'migration.sql'), 'utf8');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

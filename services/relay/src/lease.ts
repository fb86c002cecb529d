/**
 * Active/standby for a relay half: a Postgres advisory lock in the half's own database is the lease
 * for "this lane, this role". The active process holds it on a dedicated connection for its whole
 * life; a standby (same configuration, started beside it) waits, reports not-ready so that no UDP
 * traffic is routed to it, and takes over as soon as the active process dies and its connection
 * with it. Losing the lease connection while active ends the process, so two actives never overlap.
 */
import pg from 'pg';
import type { Logger } from '@hall/logging';

export interface LaneLease { acquired: Promise<void>; isActive(): boolean; release(): Promise<void> }

export function takeLaneLease(opts: { databaseUrl: string; key: string; logger: Logger; pollMs?: number; onLost?: () => void }): LaneLease {
  const client = new pg.Client({ connectionString: opts.databaseUrl, application_name: `relay-lease:${opts.key}` });
  let active = false;
  let released = false;
  const onLost = opts.onLost ?? (() => { process.exitCode = 1; process.kill(process.pid, 'SIGTERM'); });
  client.on('error', (err) => {
    if (released) return;
    opts.logger.error({ err, key: opts.key, active }, 'lane lease connection lost');
    if (active) onLost();
  });
  const acquired = (async () => {
    await client.connect();
    let announced = false;
    while (!released) {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [opts.key]);
      if (r.rows[0]?.ok) {
        active = true;
        opts.logger.info({ key: opts.key }, 'lane lease acquired: active');
        return;
      }
      if (!announced) { opts.logger.info({ key: opts.key }, 'lane lease held elsewhere: standby'); announced = true; }
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 500));
    }
    throw new Error('lease released before it was acquired');
  })();
  acquired.catch(() => { /* reported through isActive() and the caller's await */ });
  return {
    acquired,
    isActive: () => active,
    release: async () => { released = true; active = false; await client.end().catch(() => {}); },
  };
}

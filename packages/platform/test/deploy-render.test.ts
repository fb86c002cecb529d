/** deploy/render-nats.ts writes a config that nats-server itself accepts, with a password per topology user. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { zoneUsers } from '@hall/messaging';
import { NATS_SERVER_BIN } from '@hall/testkit';
import { REPO_ROOT } from '../src/index.js';

describe('deploy/render-nats.ts', () => {
  it.each(['internet', 'extranet'] as const)('renders a valid %s server config from the topology', (zone) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-render-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'deploy/render-nats.ts'), zone, out], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(r.status).toBe(0);
      const conf = path.join(out, `nats-${zone}.conf`);
      const check = spawnSync(NATS_SERVER_BIN, ['-c', conf, '-t'], { encoding: 'utf8' });
      expect(check.status).toBe(0);
      const passwords = JSON.parse(fs.readFileSync(path.join(out, `nats-${zone}.passwords.json`), 'utf8'));
      expect(Object.keys(passwords).sort()).toEqual([...zoneUsers(zone)].sort());
      expect(fs.statSync(conf).mode & 0o077).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);

  it('writes sync_interval: always for nats-server 2.10 and later (fsync before acknowledging)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-render-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'deploy/render-nats.ts'), 'extranet', out, '--server-version', '2.10.0'], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(out, 'nats-extranet.conf'), 'utf8')).toMatch(/^\s*sync_interval: always$/m);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);
});

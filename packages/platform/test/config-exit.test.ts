/** A service started with a missing or malformed required variable exits non-zero, naming it. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../src/index.js';

function run(service: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'services', service, 'src/server.ts')], {
    cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

const valid = {
  ZONE: 'extranet', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/none', NATS_URL: 'nats://127.0.0.1:1', NATS_USER: 'catalog', NATS_PASS: 'x',
  AUTH_PUBLIC_KEYS_FILE: '/nonexistent', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a',
  // approval reads materials from the extranet object store
  S3_ENDPOINT: 'http://127.0.0.1:1', S3_ACCESS_KEY: 'x', S3_SECRET_KEY: 'x-secret-x',
};

describe('service configuration at start', () => {
  it('exits 78 naming a missing variable', () => {
    const { DATABASE_URL: _omit, ...env } = valid;
    const r = run('catalog', env);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('DATABASE_URL is required');
  }, 60_000);

  it('exits 78 naming each malformed variable and what it got', () => {
    const r = run('catalog', { ...valid, PORT: 'eighty', ZONE: 'moon' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/PORT is invalid.*"eighty"/);
    expect(r.stderr).toMatch(/ZONE is invalid/);
  }, 60_000);

  it('exits 78 when a service that verifies tokens has no issuer', () => {
    const { AUTH_ISSUER: _omit, ...env } = valid;
    const r = run('approval', env);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('AUTH_ISSUER is required');
  }, 60_000);
});

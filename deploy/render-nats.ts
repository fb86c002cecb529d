/**
 * Writes one zone's nats-server config from the topology (the single source of truth for users,
 * permissions and streams), with new random passwords printed once for the zone's secret store.
 * Usage: node --import tsx deploy/render-nats.ts <internet|extranet> <outdir> [--listen 0.0.0.0] [--port 4222] [--server-version 2.10.0]
 * `sync_interval: always` (fsync every write) is written for servers 2.10 and later; 2.9 rejects the option.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderNatsServerConfig, generatePasswords } from '@hall/messaging';

const [zone, outDir, ...rest] = process.argv.slice(2);
if ((zone !== 'internet' && zone !== 'extranet') || !outDir) {
  process.stderr.write('usage: render-nats.ts <internet|extranet> <outdir> [--listen HOST] [--port N] [--server-version X.Y.Z]\n');
  process.exit(2);
}
const opt = (name: string, def: string) => { const i = rest.indexOf(name); return i >= 0 && rest[i + 1] ? rest[i + 1]! : def; };
const passwords = generatePasswords(zone);
const config = renderNatsServerConfig({ zone, host: opt('--listen', '0.0.0.0'), port: Number(opt('--port', '4222')), storeDir: '/data/jetstream', passwords, syncAlways: true, serverName: `nats-${zone}`, ...(rest.includes('--server-version') ? { serverVersion: opt('--server-version', '') } : {}) });
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, `nats-${zone}.conf`), config, { mode: 0o600 });
fs.writeFileSync(path.join(outDir, `nats-${zone}.passwords.json`), JSON.stringify(passwords, null, 2), { mode: 0o600 });
process.stdout.write(`wrote ${path.join(outDir, `nats-${zone}.conf`)} and its passwords (mode 600) for ${Object.keys(passwords).length} users\n`);

/**
 * The services' production bundles (deploy/build.ts: `<dir>/<service>/server.mjs`), built at most
 * once per test run and shared by every test file that starts service processes: whole platforms
 * (test-e2e) and the relay's udp halves. A bundle starts in about 0.3 s of CPU where
 * `node --import tsx` needs 1.5–3 s, and a run starts well over a hundred such processes; the
 * build itself takes about 4 s, which each e2e file used to pay on its own.
 *
 * Inside a jest run (HALL_TEST_INFRA set by scripts/jest/global-setup.mjs) the folder is
 * `.tmp/bundles-<run>`: the first file that asks builds it under a lock directory, the others wait
 * for its `.done` mark, and global teardown removes it. Outside jest each process builds its own
 * temporary copy. `HALL_E2E_FROM_SOURCE=1` turns bundles off (processes start from TypeScript).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackDir } from './processes.js';
import { waitFor } from './wait.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where this run's bundles live, for global teardown to remove. */
export function runBundlesDir(infraFile: string): string {
  return path.join(path.dirname(infraFile), `bundles-${path.basename(infraFile, '.json')}`);
}

async function build(out: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'deploy/build.ts'), '--out', out], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`deploy/build.ts exited with ${code}:\n${output.slice(-4000)}`);
}

/**
 * Node's arguments that start `service` from the bundles in `dir`. Without source maps, as the
 * images run them (deploy/Dockerfile): with `--enable-source-maps` every process parsed its 3.5 MB
 * map (about 1 s of CPU) the first time a stack was formatted, which nats.js does on every close,
 * so each stop of each process paid it; a run starts and stops over a hundred of them.
 * `HALL_SOURCE_MAPS=1` turns them on for a run whose stacks someone wants to read.
 */
export function bundleEntry(dir: string, service: string): string[] {
  return [...(process.env.HALL_SOURCE_MAPS === '1' ? ['--enable-source-maps'] : []), path.join(dir, service, 'server.mjs')];
}

let mine: Promise<string> | undefined;

/** The folder of this run's bundles (built on first use), or undefined with HALL_E2E_FROM_SOURCE. */
export async function serviceBundles(): Promise<string | undefined> {
  if (process.env.HALL_E2E_FROM_SOURCE) return undefined;
  mine ??= locate();
  return mine;
}

async function locate(): Promise<string> {
  const infra = process.env.HALL_TEST_INFRA;
  if (!infra) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-bundles-'));
    trackDir(out);
    await build(out);
    return out;
  }
  const dir = runBundlesDir(infra);
  const done = path.join(dir, '.done');
  if (fs.existsSync(done)) return dir;
  let owner = false;
  try {
    fs.mkdirSync(`${dir}.lock`);
    owner = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (owner) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      await build(dir);
      fs.writeFileSync(done, new Date().toISOString());
    } catch (err) {
      // Let a waiting file fail with the cause instead of waiting for a mark that never comes.
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, '.failed'), String((err as Error).message));
      throw err;
    } finally {
      fs.rmSync(`${dir}.lock`, { recursive: true, force: true });
    }
    return dir;
  }
  const failed = path.join(dir, '.failed');
  const state = await waitFor(async () => (fs.existsSync(done) ? 'done' : fs.existsSync(failed) ? 'failed' : false),
    { what: `the run's service bundles in ${dir} (built by another test file)`, timeoutMs: 120_000, everyMs: 200 });
  if (state === 'failed') throw new Error(`another test file's bundle build failed: ${fs.readFileSync(failed, 'utf8').slice(0, 2000)}`);
  return dir;
}

/**
 * The production bundles `scripts/run.sh` starts the services from (deploy/build.ts:
 * `<folder>/<service>/server.mjs`), kept in the data folder and built again only when what they are
 * built from changed. A bundle starts in about 0.3 s of CPU where `node --import tsx` needs 1.5–3 s,
 * and the platform is twelve processes; the build takes a few seconds and runs while Postgres starts.
 *
 * Stale means: the stamp beside the bundles (`.stamp`) differs from the hash of the workspace's
 * packages and services (every file but node_modules, tests and generated code; each service's
 * generated Prisma client by its own stamp, scripts/setup.sh), the lockfile and the build script.
 * A new build goes to a folder of its own and replaces the old one only when it is complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';

/** Folders of a workspace package that no bundle is built from. */
const SKIP = new Set(['node_modules', 'test', 'dist', 'coverage', 'bench', '.turbo']);

/** The hash of everything the bundles are built from (see above). */
export function bundleSourceHash(repoRoot: string): string {
  const h = createHash('sha256');
  const add = (file: string) => {
    h.update(path.relative(repoRoot, file)).update('\0');
    h.update(fs.readFileSync(file)).update('\0');
  };
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'generated') {
          // Generated Prisma clients are many large files; their stamp says what they were generated from.
          const stamp = path.join(p, '.stamp');
          if (fs.existsSync(stamp)) add(stamp);
          else h.update(`${path.relative(repoRoot, p)} unstamped ${fs.statSync(p).mtimeMs}\0`);
        } else if (!SKIP.has(e.name)) walk(p);
      } else if (e.isFile()) add(p);
    }
  };
  for (const top of ['packages', 'services']) walk(path.join(repoRoot, top));
  for (const f of ['pnpm-lock.yaml', 'package.json', 'tsconfig.json', 'tsconfig.base.json', 'deploy/build.ts']) {
    if (fs.existsSync(path.join(repoRoot, f))) add(path.join(repoRoot, f));
  }
  return h.digest('hex');
}

/**
 * The folder of up-to-date service bundles at `dir`, building them first when stale (`onBuild` is
 * told before a build starts). Nothing but the services: no deployment tools.
 */
export async function ensureServiceBundles(repoRoot: string, dir: string, onBuild?: () => void): Promise<string> {
  const stamp = bundleSourceHash(repoRoot);
  const stampFile = path.join(dir, '.stamp');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return dir;
  onBuild?.();
  const next = `${dir}.new-${process.pid}`;
  fs.rmSync(next, { recursive: true, force: true });
  try {
    const { buildBundles } = await import('../../../deploy/build.js');
    await buildBundles({ outDir: next, tools: false });
    fs.writeFileSync(path.join(next, '.stamp'), stamp);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(next, dir);
    } catch (err) {
      // Another launcher sharing the folder (HALL_BUNDLES_DIR) put the same build there first.
      const theirs = path.join(dir, '.stamp');
      if (!fs.existsSync(theirs) || fs.readFileSync(theirs, 'utf8') !== stamp) throw err;
      fs.rmSync(next, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(next, { recursive: true, force: true });
    // esbuild's message starts "Build failed with N errors:"; the first error says what.
    const first = (err as { errors?: { text?: string }[] }).errors?.[0]?.text;
    if (first) throw new Error(`deploy/build.ts: ${first}\n${(err as Error).message}`);
    throw err;
  }
  return dir;
}

/**
 * Builds the production bundle of every service: one self-contained ES module per process
 * (`<out>/<service>/server.mjs`) made by esbuild from `services/<service>/src/server.ts`, with the
 * generated Prisma client and its WebAssembly query compiler inlined, and the files the code reads
 * at run time (SQL migrations, Prisma schemas, web UIs) copied beside it. Needs no network: it
 * reads only the installed workspace (run `pnpm install` and `pnpm generate` first). The
 * Dockerfile runs it in its build stage; tests run it and start the bundles.
 *
 * Also bundles two tools that deployments run as jobs: `tools/hall-db.mjs` (the project's
 * migration runner and drift check, packages/db/src/cli.ts) and `tools/provision.mjs` (creates a
 * zone's JetStream streams from the topology, deploy/provision.ts).
 *
 * Usage: node --import tsx deploy/build.ts [--out deploy/dist] [--tools-only] [service ...]
 * (with services named, only those are built; with none, every service and the tools)
 *
 * How run-time paths survive bundling: the code finds its migrations with
 * `new URL('../migrations', import.meta.url)` and the like. In a bundle every module would share
 * the bundle's URL, so each workspace module's `import.meta.url` is rewritten to the URL its
 * source file would have under the bundle folder (`<out>/<service>/packages/db/src/audit.ts`),
 * and the asset folders are copied to the same relative places. The code needs no change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Folders of a workspace package that the bundle never reads. */
const SKIP_DIRS = new Set(['node_modules', 'test', 'dist', 'coverage', 'generated', 'scripts']);
/** Optional native or dev-only modules that the code never loads in production. */
const EXTERNAL = ['pg-native', 'pino-pretty', '@prisma/studio-core'];
const TOOLS: Record<string, string> = { 'hall-db': 'packages/db/src/cli.ts', provision: 'deploy/provision.ts' };

export interface BuiltBundle {
  name: string;
  dir: string;
  entry: string;
  bytes: number;
}

export function listServices(): string[] {
  return fs.readdirSync(path.join(REPO, 'services')).filter((s) => fs.existsSync(path.join(REPO, 'services', s, 'src/server.ts'))).sort();
}

/**
 * esbuild plugin: gives each module the location it will have inside the bundle folder. Workspace
 * modules get their `import.meta.url` rewritten; dependencies that find their own files through
 * `__dirname` (pino's worker, the Swagger UI's static files) get a `__dirname` of their own. The
 * files those places hold are copied there afterwards (`copyAssets`), so no code needs to change.
 */
function relocate(relocatedPackages: Set<string>): esbuild.Plugin {
  return {
    name: 'hall-relocate',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|cjs|mjs)$/ }, async (args) => {
        const rel = path.relative(REPO, args.path).split(path.sep).join('/');
        if (rel.startsWith('..')) return undefined;
        const inNodeModules = rel.split('/').includes('node_modules');
        const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
        let contents = await fs.promises.readFile(args.path, 'utf8');
        if (!inNodeModules) {
          if (!contents.includes('import.meta.url')) return { contents, loader };
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`);
          return { contents, loader };
        }
        // __filename and import.meta.url too: pdfkit loads its standard fonts with createRequire() and
        // its package.json "imports" (#standard-fonts/*), which must be found beside the file.
        const usesDirname = /(?<![.\w$"'])__dirname(?![\w$"'])/.test(contents);
        const usesFilename = /(?<![.\w$"'])__filename(?![\w$"'])/.test(contents);
        // import.meta.url too: pdfkit's ES module does createRequire(import.meta.url).
        const usesMetaUrl = contents.includes('import.meta.url');
        if (!usesDirname && !usesFilename && !usesMetaUrl) return undefined;
        relocatedPackages.add(packageRootOf(args.path));
        if (usesMetaUrl) contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`);
        const dir = path.posix.dirname(rel);
        const prelude = [
          ...(usesDirname ? [`var __dirname = __hallRelocated(${JSON.stringify(dir)});`] : []),
          ...(usesFilename ? [`var __filename = __hallRelocated(${JSON.stringify(rel)});`] : []),
        ].join('\n');
        return { contents: `${prelude}\n${contents}`, loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** The folder of the package.json that owns a file. */
function packageRootOf(file: string): string {
  let dir = path.dirname(file);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** A bundle of ESM and CommonJS dependencies needs `require`, `__filename` and `__dirname` defined. */
const BANNER = [
  "import { createRequire as __hallCreateRequire } from 'node:module';",
  "import { fileURLToPath as __hallFileURLToPath } from 'node:url';",
  "import { dirname as __hallDirname } from 'node:path';",
  'const require = __hallCreateRequire(import.meta.url);',
  'const __filename = __hallFileURLToPath(import.meta.url);',
  'const __dirname = __hallDirname(__filename);',
  "const __hallRelocated = (rel) => __hallDirname(__filename) + '/' + rel;",
].join('\n');

/**
 * Everything of a workspace package the bundle may read at run time: all of its files except the
 * TypeScript (compiled into the bundle), tests and node_modules — migrations, schemas, web UIs,
 * seed data, templates — at the same relative place as in the repository.
 */
function copyAssets(inputs: string[], outDir: string): void {
  const packageDirs = new Set<string>();
  for (const input of inputs) {
    const m = /^(services|packages)\/([^/]+)\//.exec(input);
    if (m) packageDirs.add(`${m[1]}/${m[2]}`);
  }
  for (const pkg of packageDirs) {
    const root = path.join(REPO, pkg);
    fs.cpSync(root, path.join(outDir, pkg), {
      recursive: true,
      filter: (src) => {
        const parts = path.relative(root, src).split(path.sep);
        if (parts.some((p) => SKIP_DIRS.has(p))) return false;
        return fs.statSync(src).isDirectory() || !/\.(ts|tsx|cts|mts)$/.test(src);
      },
    });
  }
  // cpSync keeps the directories it walked; drop those that ended up empty.
  removeEmptyDirs(outDir);
}

function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() ? !removeEmptyDirs(p) : true) empty = false;
  }
  if (empty) fs.rmdirSync(dir);
  return empty;
}

/**
 * One esbuild run for every entry point (the dependency graph is parsed once, which makes the
 * whole build take seconds); each entry becomes `<outRoot>/<folder>/<file>.mjs` with its own copy
 * of the assets that its own inputs need.
 */
/** Dependencies that read their own files: their folder (without nested node_modules) goes beside the bundle. */
function copyPackages(inputs: string[], relocated: Set<string>, outDir: string): void {
  for (const pkg of relocated) {
    const rel = path.relative(REPO, pkg).split(path.sep).join('/');
    if (!inputs.some((i) => i.startsWith(`${rel}/`))) continue;
    fs.cpSync(pkg, path.join(outDir, rel), { recursive: true, filter: (src) => !path.relative(pkg, src).split(path.sep).includes('node_modules') });
  }
}

async function bundleAll(entries: { name: string; folder: string; file: string; source: string }[], outRoot: string): Promise<BuiltBundle[]> {
  for (const folder of new Set(entries.map((e) => e.folder))) fs.rmSync(path.join(outRoot, folder), { recursive: true, force: true });
  const relocatedPackages = new Set<string>();
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(entries.map((e) => [`${e.folder}/${e.file}`, path.join(REPO, e.source)])),
    outdir: outRoot,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dynamic imports (the Prisma query compiler and its wasm) become part of each entry's one file.
    splitting: false,
    minify: false,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: BANNER },
    external: EXTERNAL,
    plugins: [relocate(relocatedPackages)],
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO,
  });
  const built: BuiltBundle[] = [];
  for (const e of entries) {
    const dir = path.join(outRoot, e.folder);
    const entry = path.join(dir, `${e.file}.mjs`);
    const out = result.metafile.outputs[path.relative(REPO, entry).split(path.sep).join('/')];
    if (!out) throw new Error(`esbuild wrote no output for ${e.source}`);
    const inputs = Object.keys(out.inputs);
    copyAssets(inputs, dir);
    copyPackages(inputs, relocatedPackages, dir);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@hall/${e.folder}-bundle`, private: true, type: 'module' }, null, 2) + '\n');
    built.push({ name: e.name, dir, entry, bytes: fs.statSync(entry).size });
  }
  return built;
}

export async function buildBundles(opts: { outDir?: string; services?: string[]; tools?: boolean; toolsOnly?: boolean } = {}): Promise<BuiltBundle[]> {
  const outRoot = path.resolve(opts.outDir ?? path.join(REPO, 'deploy/dist'));
  const services = opts.toolsOnly ? [] : opts.services?.length ? opts.services : listServices();
  for (const s of services) {
    if (!fs.existsSync(path.join(REPO, 'services', s, 'src/generated/prisma/client.ts'))) {
      throw new Error(`services/${s}: generated Prisma client missing; run \`pnpm generate\` first`);
    }
  }
  const entries = services.map((s) => ({ name: s, folder: s, file: 'server', source: `services/${s}/src/server.ts` }));
  const withTools = opts.tools !== false;
  if (withTools) for (const [name, source] of Object.entries(TOOLS)) entries.push({ name, folder: 'tools', file: name, source });
  // esbuild keeps a service process per caller after a build; a launcher that built its bundles
  // kept it running (and spending CPU) for as long as the platform ran.
  const built = await bundleAll(entries, outRoot).finally(() => esbuild.stop());
  if (withTools) {
    // The tools image is the operator's migration kit: every service's migrations and schema.
    for (const s of listServices()) fs.cpSync(path.join(REPO, 'services', s, 'prisma'), path.join(outRoot, 'tools/services', s, 'prisma'), { recursive: true });
  }
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const outDir = i >= 0 ? args[i + 1] : undefined;
  const services = args.filter((a, j) => !a.startsWith('--') && (i < 0 || j !== i + 1));
  const started = Date.now();
  const built = await buildBundles({ outDir, services, toolsOnly: args.includes('--tools-only'), tools: !services.length || args.includes('--tools-only') });
  for (const b of built) process.stdout.write(`${b.name.padEnd(14)} ${(b.bytes / 1024 / 1024).toFixed(1).padStart(5)} MiB  ${path.relative(process.cwd(), b.entry)}\n`);
  process.stdout.write(`built ${built.length} bundles in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

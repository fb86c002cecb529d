/**
 * Command line for the bulk import, with a progress bar:
 *
 *   DATABASE_URL=... pnpm --filter @hall/catalog import <file.csv|file.json> [--publish] [--report report.json]
 *
 * Good rows are saved (as drafts, or published with --publish: their outbox rows are sent by the
 * running catalog service; with --publish a row whose certificate could not be issued is rejected); the exit code is 0 when every row was imported, 1 when some were rejected.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { createPrisma } from './db.js';
import { itemRepository } from './items.js';
import { importItems, parseImportFile } from './import.js';
import { certificateIssuanceRefusal } from './certificate-types.js';

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('--'));
  const reportAt = argv.indexOf('--report');
  const databaseUrl = process.env.DATABASE_URL;
  if (!file || !databaseUrl) {
    process.stderr.write(`${databaseUrl ? '' : 'DATABASE_URL is not set\n'}usage: import <file.csv|file.json> [--publish] [--report report.json]\n`);
    return 2;
  }
  const rows = parseImportFile(await readFile(file, 'utf8'), path.extname(file).toLowerCase() === '.json' ? 'json' : 'csv');
  const prisma = createPrisma(databaseUrl, 4);
  const bar = new cliProgress.SingleBar({ format: '导入事项 [{bar}] {percentage}% | {value}/{total} 行 | 驳回 {rejected}', hideCursor: true }, cliProgress.Presets.shades_classic);
  let rejected = 0;
  bar.start(rows.length, 0, { rejected });
  try {
    const report = await importItems(itemRepository(prisma), rows, {
      actor: `import:${path.basename(file)}`, ...(argv.includes('--publish') ? { publish: { refusal: (d) => certificateIssuanceRefusal(prisma, d) } } : {}),
      onRow: (done, r) => { if (r.result === 'rejected') rejected++; bar.update(done, { rejected }); },
    });
    bar.stop();
    process.stdout.write(`共 ${report.total} 行，导入 ${report.imported} 行，驳回 ${report.rejected} 行\n`);
    for (const r of report.rows.filter((x) => x.result === 'rejected')) {
      process.stdout.write(`  第 ${r.row} 行${r.code ? `（${r.code}）` : ''}：${r.errors!.map((e) => e.message).join('；')}\n`);
    }
    if (reportAt > 0 && argv[reportAt + 1]) await writeFile(argv[reportAt + 1]!, JSON.stringify(report, null, 2));
    return report.rejected ? 1 : 0;
  } finally {
    bar.stop();
    await prisma.$disconnect();
  }
}

process.exitCode = await main(process.argv.slice(2));

/**
 * `pnpm supervision:verify-chain`: checks supervision's audit chain against its records (see
 * chain.ts) and prints where it was broken. Exit 0 when intact, 1 when tampered with, 78 on bad config.
 * Reads DATABASE_URL (the supervision database).
 */
import { Type } from '@sinclair/typebox';
import { loadConfigOrExit } from '@hall/config';
import { verifyChain } from './chain.js';
import { createPrisma } from './db.js';

export async function runVerify(databaseUrl: string, out: (line: string) => void): Promise<number> {
  const db = createPrisma(databaseUrl, 2);
  try {
    const report = await verifyChain(db as never);
    out(report.ok ? `审计链完整：${report.entries} 条链记录，${report.records} 条监察记录，未发现篡改。` : `审计链校验失败：发现 ${report.problems.length} 处问题（${report.entries} 条链记录，${report.records} 条监察记录）`);
    for (const p of report.problems) out(`  [${p.kind}]${p.seq !== undefined ? ` seq=${p.seq}` : ''}${p.recordType ? ` ${p.recordType}/${p.recordId}` : ''}  ${p.message}`);
    return report.ok ? 0 : 1;
  } finally { await db.$disconnect(); }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfigOrExit(Type.Object({ DATABASE_URL: Type.String({ minLength: 1 }) }));
  process.exitCode = await runVerify(config.DATABASE_URL, (l) => process.stdout.write(`${l}\n`));
}

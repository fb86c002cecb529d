import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertNoDrift, checkDrift, DriftError, ensureDatabase, parsePrismaSchema, type DriftProblem } from '../src/index.js';
import { dbUrl, dropDatabase, query, tempDir, uniqueDbName } from './helpers.js';

const SCHEMA = `
generator client {
  provider = "prisma-client"
  output   = "../src/generated/prisma" // a comment with { braces }
}

datasource db {
  provider = "postgresql"
}

/// An applicant account.
model Account {
  id         String    @id @db.Uuid
  username   String    @db.VarChar(64)
  realm      Realm     @default(INTERNET)
  roles      String[]
  age        Int?
  balance    Decimal   @db.Decimal(12, 2)
  score      Float
  avatar     Bytes?
  visits     BigInt    @default(0)
  active     Boolean   @default(true)
  profile    Json      @default("{\\"a\\": \\"//not a comment\\"}")
  createdAt  DateTime  @default(now()) @map("created_at") @db.Timestamptz(3)
  seenAt     DateTime? @map("seen_at")
  cases      Case[]

  @@unique([realm, username], map: "account_realm_username_key")
  @@map("account")
}

model Case {
  number    String  @map("case_number")
  year      Int
  accountId String  @map("account_id") @db.Uuid
  account   Account @relation(fields: [accountId],
                              references: [id])
  receipt   String  @unique @map("receipt_no")

  @@id([year, number])
  @@map("case")
}

enum Realm {
  INTERNET @map("internet")
  EXTRANET @map("extranet")

  @@map("realm")
}
`;

const MIGRATION = `
CREATE TYPE realm AS ENUM ('internet', 'extranet');
CREATE TABLE account (
  id uuid PRIMARY KEY,
  username varchar(64) NOT NULL,
  realm realm NOT NULL DEFAULT 'internet',
  roles text[],
  age integer,
  balance numeric(12, 2) NOT NULL,
  score double precision NOT NULL,
  avatar bytea,
  visits bigint NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true,
  profile jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  seen_at timestamp(3)
);
CREATE UNIQUE INDEX account_realm_username_key ON account (realm, username);
CREATE TABLE "case" (
  case_number text NOT NULL,
  year integer NOT NULL,
  account_id uuid NOT NULL REFERENCES account(id),
  receipt_no text NOT NULL UNIQUE,
  PRIMARY KEY (year, case_number)
);
`;

describe('checkDrift', () => {
  let name: string;
  let url: string;
  let schemaPath: string;
  beforeEach(async () => {
    name = uniqueDbName('hall_drift_test');
    url = dbUrl(name);
    await ensureDatabase(url);
    await query(url, MIGRATION);
    schemaPath = path.join(await tempDir('hall-drift'), 'schema.prisma');
    await writeFile(schemaPath, SCHEMA);
  });
  afterEach(async () => {
    await dropDatabase(name);
  });

  it('parses models, maps, native types, enums and skips relation fields', () => {
    const s = parsePrismaSchema(SCHEMA);
    const account = s.models.find((m) => m.name === 'Account')!;
    expect(account.table).toBe('account');
    expect(account.fields.find((f) => f.name === 'createdAt')).toMatchObject({ column: 'created_at', nativeType: { name: 'Timestamptz', args: ['3'] } });
    expect(account.fields.find((f) => f.name === 'cases')).toMatchObject({ kind: 'relation', list: true });
    expect(account.fields.find((f) => f.name === 'age')).toMatchObject({ optional: true, kind: 'scalar' });
    expect(account.fields.find((f) => f.name === 'realm')).toMatchObject({ kind: 'enum' });
    expect(account.uniques).toEqual([['realm', 'username']]);
    const kase = s.models.find((m) => m.name === 'Case')!;
    expect(kase.primaryKey).toEqual(['year', 'number']);
    expect(kase.uniques).toEqual([['receipt']]);
    expect(kase.fields.map((f) => f.name)).toEqual(['number', 'year', 'accountId', 'account', 'receipt']);
    expect(s.enums).toEqual([{ name: 'Realm', dbName: 'realm', values: [{ name: 'INTERNET', dbName: 'internet' }, { name: 'EXTRANET', dbName: 'extranet' }] }]);
  });

  it('reports nothing when the database matches the schema', async () => {
    await expect(checkDrift({ databaseUrl: url, schemaPath })).resolves.toEqual([]);
    await expect(assertNoDrift({ databaseUrl: url, schemaPath })).resolves.toBeUndefined();
  });

  it('reports a missing column, a wrong type and a wrong nullability', async () => {
    await query(url, `
      ALTER TABLE account DROP COLUMN score;
      ALTER TABLE account ALTER COLUMN created_at TYPE timestamp(3);
      ALTER TABLE account ALTER COLUMN age SET NOT NULL;
      ALTER TABLE account ALTER COLUMN username TYPE varchar(32);
    `);
    const problems = await checkDrift({ databaseUrl: url, schemaPath });
    const expected: DriftProblem[] = [
      { model: 'Account', field: 'score', problem: 'missing_column', expected: 'account.score', actual: 'none' },
      { model: 'Account', field: 'createdAt', problem: 'type_mismatch', expected: 'timestamptz', actual: 'timestamp' },
      { model: 'Account', field: 'age', problem: 'nullability_mismatch', expected: 'NULL', actual: 'NOT NULL' },
      { model: 'Account', field: 'username', problem: 'type_mismatch', expected: 'varchar(64)', actual: 'varchar(32)' },
    ];
    expect(problems).toHaveLength(expected.length);
    expect(problems).toEqual(expect.arrayContaining(expected));
  });

  it('reports missing tables, enum values, keys and wrong enum or list types', async () => {
    await query(url, `
      DROP TABLE "case";
      ALTER TABLE account ALTER COLUMN realm TYPE text;
      ALTER TABLE account ALTER COLUMN roles TYPE text USING NULL;
      DROP INDEX account_realm_username_key;
      ALTER TYPE realm RENAME TO realm_old;
      CREATE TYPE realm AS ENUM ('internet');
    `);
    const problems = await checkDrift({ databaseUrl: url, schemaPath });
    expect(problems).toEqual(
      expect.arrayContaining<DriftProblem>([
        { model: 'Case', problem: 'missing_table', expected: 'case', actual: 'none' },
        { model: 'Realm', field: 'EXTRANET', problem: 'missing_enum_value', expected: 'extranet', actual: 'internet' },
        { model: 'Account', field: 'realm', problem: 'type_mismatch', expected: 'enum realm', actual: 'text' },
        { model: 'Account', field: 'roles', problem: 'type_mismatch', expected: 'text[]', actual: 'text' },
        { model: 'Account', problem: 'missing_unique', expected: 'UNIQUE (realm, username)', actual: 'none' },
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('assertNoDrift throws a readable list', async () => {
    await query(url, 'ALTER TABLE "case" DROP COLUMN receipt_no; ALTER TABLE account ALTER COLUMN seen_at TYPE date;');
    const err = await assertNoDrift({ databaseUrl: url, schemaPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriftError);
    const message = (err as Error).message;
    expect(message).toContain('Case.receipt: missing_column (expected case.receipt_no, actual none)');
    expect(message).toContain('Account.seenAt: type_mismatch (expected timestamp, actual date)');
    expect((err as DriftError).problems).toHaveLength(2);
  });
});

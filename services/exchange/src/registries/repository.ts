/**
 * The base registries owned by exchange: 人口库 (population) and 法人库 (enterprise). Rows arrive
 * only through the import (files from the registering departments); the API reads them.
 */
import type { Db } from '../db.js';

export interface PersonRow { idNumber: string; name: string; gender: string; birthDate: string; ethnicity: string | null; address: string | null; regionCode: string | null }
export interface EnterpriseRow {
  creditCode: string; name: string; kind: string; status: string; legalRepresentative: string | null; legalRepresentativeIdNumber: string | null;
  registeredCapital: string | null; address: string | null; establishedOn: string | null;
}

const col = <T, K extends keyof T>(rows: T[], k: K) => rows.map((r) => r[k]);

export function registryRepository(db: Db) {
  return {
    findPerson: (idNumber: string) => db.populationRecord.findUnique({ where: { idNumber } }),
    findEnterprise: (creditCode: string) => db.enterpriseRecord.findUnique({ where: { creditCode } }),

    /** Inserts or refreshes one batch in one statement; the surrogate id of a known person is kept. */
    async upsertPeople(rows: PersonRow[], source: string): Promise<void> {
      if (!rows.length) return;
      await db.$executeRawUnsafe(
        `INSERT INTO population_record (id_number, name, gender, birth_date, ethnicity, address, region_code, source, updated_at)
         SELECT *, $8, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[])
         ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, gender = EXCLUDED.gender, birth_date = EXCLUDED.birth_date, ethnicity = EXCLUDED.ethnicity,
           address = EXCLUDED.address, region_code = EXCLUDED.region_code, source = EXCLUDED.source, updated_at = now()`,
        col(rows, 'idNumber'), col(rows, 'name'), col(rows, 'gender'), col(rows, 'birthDate'), col(rows, 'ethnicity'), col(rows, 'address'), col(rows, 'regionCode'), source,
      );
    },

    async upsertEnterprises(rows: EnterpriseRow[], source: string): Promise<void> {
      if (!rows.length) return;
      await db.$executeRawUnsafe(
        `INSERT INTO enterprise_record (credit_code, name, kind, status, legal_representative, legal_representative_id_number, registered_capital, address, established_on, source, updated_at)
         SELECT *, $10, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::date[])
         ON CONFLICT (credit_code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, status = EXCLUDED.status, legal_representative = EXCLUDED.legal_representative,
           legal_representative_id_number = EXCLUDED.legal_representative_id_number, registered_capital = EXCLUDED.registered_capital, address = EXCLUDED.address,
           established_on = EXCLUDED.established_on, source = EXCLUDED.source, updated_at = now()`,
        col(rows, 'creditCode'), col(rows, 'name'), col(rows, 'kind'), col(rows, 'status'), col(rows, 'legalRepresentative'), col(rows, 'legalRepresentativeIdNumber'),
        col(rows, 'registeredCapital'), col(rows, 'address'), col(rows, 'establishedOn'), source,
      );
    },
  };
}

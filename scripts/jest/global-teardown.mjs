/** Jest globalTeardown: stops what global-setup.mjs and global-setup-e2e.mjs started (once, however many projects name it). */
export default async function globalTeardown() {
  const infra = globalThis.__hallSharedInfra;
  const cluster = globalThis.__hallZonePostgres;
  globalThis.__hallSharedInfra = undefined;
  globalThis.__hallZonePostgres = undefined;
  await Promise.all([infra?.stop(), cluster?.stop()]);
  delete process.env.HALL_TEST_INFRA;
  delete process.env.HALL_TEST_PG_EXTRANET_URL;
}

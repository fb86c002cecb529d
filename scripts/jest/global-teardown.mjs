/** Jest globalTeardown: stops what global-setup.mjs started (once, however many projects name it). */
export default async function globalTeardown() {
  const infra = globalThis.__hallSharedInfra;
  if (!infra) return;
  globalThis.__hallSharedInfra = undefined;
  await infra.stop();
  delete process.env.HALL_TEST_INFRA;
}

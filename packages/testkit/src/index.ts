/**
 * @hall/testkit: isolated real infrastructure for tests and the local demo — free ports, a
 * database per test, a nats-server per zone, an S3-compatible store — all on loopback, all
 * stopped and removed afterwards.
 */
export { freePort, canConnect, waitForPort, dockerAvailable } from './net.js';
export { createTestDatabase, startPostgresContainerOrLocal, pgAdminUrl, checkPostgres, DEFAULT_PG_ADMIN_URL, type TestDatabase, type TestPostgres } from './postgres.js';
export { startNatsZone, natsServerVersion, NATS_SERVER_BIN, type NatsZoneServer, type StartNatsZoneOptions } from './nats.js';
export { startS3, randomCredential, writeCredential, createBucketAs, type S3Server, type StartS3Options, type S3Credential, type S3Grant } from './s3.js';
export { verifySigV4, authorize, operationOf, type S3Refusal } from './s3-auth.js';
export { liveChildren, trackChild } from './processes.js';
export { serviceBundles, bundleEntry } from './bundles.js';
export { waitFor, startOrCleanup, budget, slowdown, DEFAULT_WAIT_MS, type WaitOptions } from './wait.js';
export { startTcpProxy, type TcpProxy } from './proxy.js';

/**
 * @hall/messaging: the zones' NATS topology, connections, stream provisioning, contract-checked
 * publishing, durable consumption, and the transactional outbox / idempotent inbox.
 */
export * from './topology.js';
export * from './connect.js';
export * from './provision.js';
export * from './publisher.js';
export * from './consume.js';
export * from './sql.js';
export * from './outbox.js';
export * from './inbox.js';

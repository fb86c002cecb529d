/**
 * The processes of the platform, per zone: which service code each runs, which NATS user it holds
 * (only on its own zone's server), which database it owns and what else it needs. The launcher,
 * the end-to-end tests and (later) deploy/ are all driven from this one table.
 */
export type ZoneName = 'internet' | 'extranet';

export interface ProcessSpec {
  /** Process name, unique across the platform. */
  name: string;
  /** Folder under services/. */
  service: string;
  zone: ZoneName;
  natsUser: string;
  /** Database name suffix. */
  database: string;
  objectStore?: boolean;
  auth?: boolean;
  env?: Record<string, string>;
  /** For a `bridge` relay lane: the source zone and its sender user (one process holds both). */
  source?: { zone: ZoneName; natsUser: string };
  /** For a `udp` relay lane half: which lane and which half (the launcher wires their UDP port). */
  lane?: { name: 'inbound' | 'outbound'; role: 'sender' | 'receiver' };
}

/** How the relay lanes run: `udp` (the diode: sender and receiver halves, one per zone) or `bridge`. */
export type RelayTransport = 'udp' | 'bridge';

export const PROCESSES: ProcessSpec[] = [
  { name: 'identity-public', service: 'identity', zone: 'internet', natsUser: 'identity', database: 'identity_public', auth: true, env: { REALM: 'public' } },
  { name: 'declaration', service: 'declaration', zone: 'internet', natsUser: 'declaration', database: 'declaration', objectStore: true, auth: true },
  // Relay lanes over udp: each lane is a sender in its source zone and a receiver in its destination zone.
  { name: 'relay-inbound-sender', service: 'relay', zone: 'internet', natsUser: 'relay-in-sender', database: 'relay_inbound_sender', objectStore: true, env: { LANE: 'inbound', LANE_TRANSPORT: 'udp', LANE_ROLE: 'sender' }, lane: { name: 'inbound', role: 'sender' } },
  { name: 'relay-outbound', service: 'relay', zone: 'internet', natsUser: 'relay-out-receiver', database: 'relay_outbound', objectStore: true, env: { LANE: 'outbound', LANE_TRANSPORT: 'udp', LANE_ROLE: 'receiver' }, lane: { name: 'outbound', role: 'receiver' } },
  { name: 'identity-staff', service: 'identity', zone: 'extranet', natsUser: 'identity', database: 'identity_staff', auth: true, env: { REALM: 'staff' } },
  // objectStore: attachments of 政务公开 articles (issue 13), copied to the internet zone by the OUTBOUND lane.
  { name: 'catalog', service: 'catalog', zone: 'extranet', natsUser: 'catalog', database: 'catalog', objectStore: true, auth: true },
  { name: 'approval', service: 'approval', zone: 'extranet', natsUser: 'approval', database: 'approval', objectStore: true, auth: true },
  { name: 'certificate', service: 'certificate', zone: 'extranet', natsUser: 'certificate', database: 'certificate', objectStore: true, auth: true },
  { name: 'supervision', service: 'supervision', zone: 'extranet', natsUser: 'supervision', database: 'supervision', auth: true },
  { name: 'exchange', service: 'exchange', zone: 'extranet', natsUser: 'exchange', database: 'exchange', auth: true },
  { name: 'relay-outbound-sender', service: 'relay', zone: 'extranet', natsUser: 'relay-out-sender', database: 'relay_outbound_sender', objectStore: true, env: { LANE: 'outbound', LANE_TRANSPORT: 'udp', LANE_ROLE: 'sender' }, lane: { name: 'outbound', role: 'sender' } },
  { name: 'relay-inbound', service: 'relay', zone: 'extranet', natsUser: 'relay-in-receiver', database: 'relay_inbound', objectStore: true, env: { LANE: 'inbound', LANE_TRANSPORT: 'udp', LANE_ROLE: 'receiver' }, lane: { name: 'inbound', role: 'receiver' } },
];

/** The `bridge` alternative: one process per lane in the destination zone, with read-only source credentials. */
const BRIDGE_LANES: ProcessSpec[] = [
  { name: 'relay-outbound', service: 'relay', zone: 'internet', natsUser: 'relay-out-receiver', database: 'relay_outbound', objectStore: true, env: { LANE: 'outbound', LANE_TRANSPORT: 'bridge' }, source: { zone: 'extranet', natsUser: 'relay-out-sender' } },
  { name: 'relay-inbound', service: 'relay', zone: 'extranet', natsUser: 'relay-in-receiver', database: 'relay_inbound', objectStore: true, env: { LANE: 'inbound', LANE_TRANSPORT: 'bridge' }, source: { zone: 'internet', natsUser: 'relay-in-sender' } },
];

/** The platform's processes with the relay lanes on the given transport (PROCESSES is `udp`). */
export function processesFor(transport: RelayTransport = 'udp'): ProcessSpec[] {
  if (transport === 'udp') return PROCESSES;
  return [...PROCESSES.filter((p) => p.service !== 'relay'), ...BRIDGE_LANES];
}

export const ISSUER: Record<ZoneName, string> = { internet: 'hall-identity-internet', extranet: 'hall-identity-extranet' };
export const AUDIENCE: Record<ZoneName, string> = { internet: 'hall-internet', extranet: 'hall-extranet' };

/** The one bucket of each zone's object store. */
export const BUCKET = 'hall-materials';

/**
 * What a process may do in an object store, as key prefixes of BUCKET: `read` (get, head, list
 * under the prefix) and `write` (read, put and delete). Every other key, bucket and the store's
 * administration stay out of reach; the launcher gives each process a credential with exactly
 * this policy (its test/demo store enforces it, testkit s3-auth.ts) and deploy/ renders it as
 * MinIO users and policies.
 */
export interface StoreAccess { read?: string[]; write?: string[] }

/**
 * The policy of each process with `objectStore` in its own zone's store, by process name. Keys:
 * `materials/` (declaration's uploads, copied to the extranet by the inbound lane),
 * `certificates/` (certificate's PDFs) and `openness/` (catalog's 政务公开 attachments), both
 * copied to the internet zone by the outbound lane.
 */
export const STORE_ACCESS: Record<string, StoreAccess> = {
  declaration: { write: ['materials/'], read: ['certificates/', 'openness/'] },
  'relay-inbound-sender': { read: ['materials/'] },
  // The outbound lane's receiver, udp half or bridge: stat then put of what the lane carries.
  'relay-outbound': { write: ['certificates/', 'openness/'] },
  catalog: { write: ['openness/'] },
  // Materials, and certificates reused as materials (免提交: certificate-reuse.ts points at certificates/<id>.pdf).
  approval: { read: ['materials/', 'certificates/'] },
  certificate: { write: ['certificates/'] },
  'relay-outbound-sender': { read: ['certificates/', 'openness/'] },
  'relay-inbound': { write: ['materials/'] },
};

/**
 * A `bridge` lane process reads its source zone's store (the udp halves never do: each holds a
 * credential of its own zone's store only). Read-only, the lane's prefixes only.
 */
export const SOURCE_STORE_ACCESS: Record<string, StoreAccess> = {
  'relay-outbound': { read: ['certificates/', 'openness/'] },
  'relay-inbound': { read: ['materials/'] },
};

/** The store policy of a process in its own zone (`own`) or, for a bridge lane, in its source zone's store. */
export function storeAccessOf(spec: ProcessSpec, which: 'own' | 'source' = 'own'): StoreAccess | undefined {
  if (which === 'source') return spec.source ? SOURCE_STORE_ACCESS[spec.name] : undefined;
  return spec.objectStore ? STORE_ACCESS[spec.name] : undefined;
}

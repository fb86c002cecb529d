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
  /** For relay lanes: the source zone and its sender user. */
  source?: { zone: ZoneName; natsUser: string };
}

export const PROCESSES: ProcessSpec[] = [
  { name: 'identity-public', service: 'identity', zone: 'internet', natsUser: 'identity', database: 'identity_public', auth: true, env: { REALM: 'public' } },
  { name: 'declaration', service: 'declaration', zone: 'internet', natsUser: 'declaration', database: 'declaration', objectStore: true, auth: true },
  { name: 'relay-outbound', service: 'relay', zone: 'internet', natsUser: 'relay-out-receiver', database: 'relay_outbound', objectStore: true, env: { LANE: 'outbound' }, source: { zone: 'extranet', natsUser: 'relay-out-sender' } },
  { name: 'identity-staff', service: 'identity', zone: 'extranet', natsUser: 'identity', database: 'identity_staff', auth: true, env: { REALM: 'staff' } },
  { name: 'catalog', service: 'catalog', zone: 'extranet', natsUser: 'catalog', database: 'catalog', auth: true },
  { name: 'approval', service: 'approval', zone: 'extranet', natsUser: 'approval', database: 'approval', auth: true },
  { name: 'certificate', service: 'certificate', zone: 'extranet', natsUser: 'certificate', database: 'certificate', auth: true },
  { name: 'supervision', service: 'supervision', zone: 'extranet', natsUser: 'supervision', database: 'supervision', auth: true },
  { name: 'exchange', service: 'exchange', zone: 'extranet', natsUser: 'exchange', database: 'exchange', auth: true },
  { name: 'relay-inbound', service: 'relay', zone: 'extranet', natsUser: 'relay-in-receiver', database: 'relay_inbound', objectStore: true, env: { LANE: 'inbound' }, source: { zone: 'internet', natsUser: 'relay-in-sender' } },
];

export const ISSUER: Record<ZoneName, string> = { internet: 'hall-identity-internet', extranet: 'hall-identity-extranet' };
export const AUDIENCE: Record<ZoneName, string> = { internet: 'hall-internet', extranet: 'hall-extranet' };

/**
 * The messaging topology of both zones: which JetStream streams exist, which users connect to a
 * zone's NATS server and what each of them may publish, consume and manage. It is the single
 * source of truth: the test kit renders server configs from it, `provisionStreams` creates the
 * streams from it, and deploy/ configs are generated from it, so a permission cannot drift
 * between tests and production.
 *
 * Permissions are allow-lists. Anything not listed is refused by the server. Every user gets its
 * own inbox prefix (`_INBOX_<user>`) instead of the shared `_INBOX.>`, because pulled JetStream
 * messages and request replies travel on inbox subjects: a user allowed to subscribe `_INBOX.>`
 * could read every stream that any other user pulls, which would void "consume IN only".
 */
import { randomBytes } from 'node:crypto';
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';

export type Zone = 'internet' | 'extranet';
export const ZONES: readonly Zone[] = ['internet', 'extranet'];

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** Who writes it and who reads it, for readers of configs and docs. */
  description: string;
}

export interface UserSpec {
  name: string;
  description: string;
  /** Business subjects (`hall.…`) the user may publish; JetStream publishes go through these. */
  publish: string[];
  /** Streams the user may consume from with durable pull consumers (create, info, pull, ack). */
  consumes: string[];
  /** Only the provisioner manages streams (and anything else on the JetStream API). */
  manageStreams?: boolean;
  /**
   * Streams the user may read by sequence (stream info + direct get), without a consumer: a relay
   * lane's sender re-reads its retained source stream to re-send what the receiver reports missing.
   */
  reads?: string[];
  /** Single durables on one subject (never the whole stream): the create request must name that subject. */
  durables?: { stream: string; durable: string; subject: string }[];
}

export interface ZoneTopology {
  zone: Zone;
  streams: StreamSpec[];
  users: UserSpec[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Dedupe window for `Nats-Msg-Id`: a re-publish after a crash within it is dropped by the server. */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
export const STREAM_MAX_AGE_MS = 30 * DAY_MS;

export const TOPOLOGY: Record<Zone, ZoneTopology> = {
  internet: {
    zone: 'internet',
    streams: [
      { name: 'IN', subjects: ['hall.in.>'], description: 'produced locally (declaration outbox); read by the INBOUND lane sender' },
      { name: 'OUT', subjects: ['hall.out.>'], description: 'written by the OUTBOUND lane receiver; read by declaration' },
      { name: 'I', subjects: ['hall.i.>'], description: 'internet-internal events' },
      { name: 'QUARANTINE', subjects: ['hall.quarantine.>'], description: 'messages the OUTBOUND lane receiver refused, with the reason' },
    ],
    users: [
      { name: 'provisioner', description: 'creates and updates the streams', publish: [], consumes: [], manageStreams: true },
      { name: 'declaration', description: '申报: submits applications, reads case status', publish: ['hall.in.>', 'hall.i.>'], consumes: ['OUT'] },
      { name: 'identity', description: '统一身份 (public realm)', publish: ['hall.i.identity.>'], consumes: [] },
      {
        name: 'relay-in-sender',
        description: 'INBOUND lane sender: reads IN (and its reconciliation reports on OUT), publishes nothing here',
        publish: [],
        consumes: ['IN'],
        reads: ['IN'],
        durables: [{ stream: 'OUT', durable: 'relay-inbound-reconciliation', subject: 'hall.out.relay.inbound.reconciliation' }],
      },
      {
        name: 'relay-out-receiver',
        description: 'OUTBOUND lane receiver: writes OUT, its quarantine, and reports for the OUTBOUND sender via the INBOUND lane',
        publish: ['hall.out.>', 'hall.in.relay.outbound.reconciliation', 'hall.quarantine.relay'],
        consumes: [],
      },
    ],
  },
  extranet: {
    zone: 'extranet',
    streams: [
      { name: 'IN', subjects: ['hall.in.>'], description: 'written by the INBOUND lane receiver' },
      { name: 'OUT', subjects: ['hall.out.>'], description: 'produced locally; read by the OUTBOUND lane sender' },
      { name: 'X', subjects: ['hall.x.>'], description: 'extranet-internal process events' },
      { name: 'QUARANTINE', subjects: ['hall.quarantine.>'], description: 'messages the INBOUND lane receiver refused, with the reason' },
    ],
    users: [
      { name: 'provisioner', description: 'creates and updates the streams', publish: [], consumes: [], manageStreams: true },
      {
        name: 'catalog',
        description: '事项目录: publishes item versions; 政务公开 articles and approval results (结果公示, from case events on X and applicant names on IN)',
        publish: ['hall.out.catalog.>', 'hall.x.catalog.>', 'hall.out.openness.>'],
        // IN for application.submitted: the applicant's name, masked into 结果公示 of items that publish results.
        consumes: ['X', 'IN'],
      },
      {
        name: 'approval',
        description: '审批: cases, transitions, certificate requests, status for applicants',
        publish: ['hall.x.case.>', 'hall.x.certificate.requested', 'hall.out.case.>', 'hall.out.payment.>', 'hall.out.consultation.>'],
        // OUT for catalog.item.published: approval keeps its own copy of each item's department and certificate type.
        consumes: ['IN', 'X', 'OUT'],
      },
      {
        name: 'certificate',
        description: '电子证照: issues certificates',
        // hall.x.certificate.> already covers hall.x.certificate.issued; both are listed because
        // the brief names the issued event explicitly and a narrower rule may replace the wide one.
        publish: ['hall.x.certificate.issued', 'hall.x.certificate.>', 'hall.out.certificate.>'],
        // IN: submissions that offer e-certificates instead of materials (免提交) are checked here.
        consumes: ['X', 'IN'],
      },
      { name: 'supervision', description: '电子监察: reads every process event and the inbound lane quarantine; answers complaints (投诉) outbound', publish: ['hall.x.supervision.>', 'hall.out.complaint.>'], consumes: ['IN', 'X', 'OUT', 'QUARANTINE'] },
      { name: 'exchange', description: '数据交换: reads events, publishes nothing', publish: [], consumes: ['X'] },
      { name: 'identity', description: '统一身份 (staff realm)', publish: ['hall.x.identity.>'], consumes: [] },
      {
        name: 'relay-in-receiver',
        description: 'INBOUND lane receiver: writes IN, its quarantine, and reports for the INBOUND sender via the OUTBOUND lane',
        publish: ['hall.in.>', 'hall.out.relay.inbound.reconciliation', 'hall.quarantine.relay'],
        consumes: [],
        // The catalog's publications in this zone, to check attachments against each item's allowed types.
        durables: [{ stream: 'OUT', durable: 'relay-inbound-items', subject: 'hall.out.catalog.item.published' }],
      },
      {
        name: 'relay-out-sender',
        description: 'OUTBOUND lane sender: reads OUT (and its reconciliation reports on IN), publishes nothing here',
        publish: [],
        consumes: ['OUT'],
        reads: ['OUT'],
        durables: [{ stream: 'IN', durable: 'relay-outbound-reconciliation', subject: 'hall.in.relay.outbound.reconciliation' }],
      },
    ],
  },
};

export function zoneTopology(zone: Zone): ZoneTopology {
  const t = TOPOLOGY[zone];
  if (!t) throw new Error(`unknown zone ${String(zone)}`);
  return t;
}

export function zoneUsers(zone: Zone): string[] {
  return zoneTopology(zone).users.map((u) => u.name);
}

export function userSpec(zone: Zone, user: string): UserSpec {
  const u = zoneTopology(zone).users.find((x) => x.name === user);
  if (!u) throw new Error(`user ${user} is not part of the ${zone} zone topology`);
  return u;
}

/** Inbox prefix of a user; `connectNats` sets it, the server config allows only that one. */
export function inboxPrefixFor(user: string): string {
  return `_INBOX_${user}`;
}

/** JetStream stream configuration (file storage, dedupe window, 30 days, limits retention). */
export function streamConfig(spec: StreamSpec): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    description: spec.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: STREAM_MAX_AGE_MS * 1_000_000, // nanoseconds
    duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000,
    num_replicas: 1,
  };
}

/** The nats-server these machines run (Debian's package); configs assume it unless told otherwise. */
export const DEFAULT_SERVER_VERSION = '2.9.10';

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

export interface Permissions {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[] };
}

/**
 * The server-side permissions of a user. For each consumed stream S a service user gets exactly
 * what a durable pull consumer needs with nats.js 3 on nats-server 2.9 (found by test, see
 * test/topology.access.test.ts):
 * - `$JS.API.CONSUMER.CREATE.S.>` — create/update the durable (subject `CREATE.S.<durable>[.<filter>]`);
 * - `$JS.API.CONSUMER.INFO.S.>` — `js.consumers.get` and the client's re-check after a reconnect;
 * - `$JS.API.CONSUMER.MSG.NEXT.S.>` — pull requests;
 * - `$JS.ACK.S.>` — ack / nak / term / working;
 * and every user subscribes its own inbox for replies and pulled messages. Dropping any one of
 * these breaks consumption; `$JS.API.INFO` and `$JS.API.STREAM.INFO.*` are not needed (consumers
 * are created through `jetstreamManager(nc, { checkAPI: false })`). For servers ≥ 2.10 the legacy
 * `$JS.API.CONSUMER.DURABLE.CREATE.S.>` is added too: nats.js uses it for consumers with several
 * filter subjects, which only those servers support.
 */
export function userPermissions(zone: Zone, user: string, serverVersion = DEFAULT_SERVER_VERSION): Permissions {
  const spec = userSpec(zone, user);
  const inbox = `${inboxPrefixFor(user)}.>`;
  if (spec.manageStreams) {
    return { publish: { allow: ['$JS.API.>'], deny: ['hall.>'] }, subscribe: { allow: [inbox] } };
  }
  const streams = zoneTopology(zone).streams.map((s) => s.name);
  for (const s of spec.consumes) if (!streams.includes(s)) throw new Error(`${zone}/${user} consumes unknown stream ${s}`);
  const publish = [...spec.publish];
  for (const s of spec.consumes) {
    publish.push(`$JS.API.CONSUMER.CREATE.${s}.>`);
    if (versionAtLeast(serverVersion, 2, 10)) publish.push(`$JS.API.CONSUMER.DURABLE.CREATE.${s}.>`);
    publish.push(`$JS.API.CONSUMER.INFO.${s}.>`, `$JS.API.CONSUMER.MSG.NEXT.${s}.>`, `$JS.ACK.${s}.>`);
  }
  for (const s of spec.reads ?? []) {
    if (!streams.includes(s)) throw new Error(`${zone}/${user} reads unknown stream ${s}`);
    publish.push(`$JS.API.STREAM.INFO.${s}`, `$JS.API.STREAM.MSG.GET.${s}`);
  }
  // One durable on one subject: the create subject carries the filter and the server checks it
  // against the request body, so this user cannot widen the durable to the rest of the stream.
  for (const d of spec.durables ?? []) {
    if (!streams.includes(d.stream)) throw new Error(`${zone}/${user} consumes unknown stream ${d.stream}`);
    publish.push(`$JS.API.CONSUMER.CREATE.${d.stream}.${d.durable}.${d.subject}`);
    publish.push(`$JS.API.CONSUMER.INFO.${d.stream}.${d.durable}`, `$JS.API.CONSUMER.MSG.NEXT.${d.stream}.${d.durable}`, `$JS.ACK.${d.stream}.${d.durable}.>`);
  }
  // An explicit deny for users that must never write business subjects: it documents intent and
  // still holds if someone later widens the allow-list by mistake.
  const deny = spec.publish.length === 0 ? ['hall.>'] : undefined;
  // nats-server treats an empty allow-list as "no restriction", so a user with nothing to publish
  // must be denied everything explicitly rather than given `allow: []`.
  if (publish.length === 0) return { publish: { allow: [], deny: ['>'] }, subscribe: { allow: [inbox] } };
  return { publish: { allow: publish, ...(deny ? { deny } : {}) }, subscribe: { allow: [inbox] } };
}

/** Random passwords for every user of a zone (hex, so they need no quoting in configs). */
export function generatePasswords(zone: Zone): Record<string, string> {
  const out: Record<string, string> = {};
  for (const u of zoneUsers(zone)) out[u] = randomBytes(24).toString('hex');
  return out;
}

export interface RenderNatsServerConfigOptions {
  zone: Zone;
  host: string;
  port: number;
  storeDir: string;
  passwords: Record<string, string>;
  /** fsync every write (see ARCHITECTURE §1: acknowledged-but-unsynced messages die with the OS). */
  syncAlways?: boolean;
  monitorPort?: number;
  /** Version of the nats-server that will read the config; decides which options exist. */
  serverVersion?: string;
  /** Server name shown in monitoring and logs. */
  serverName?: string;
  /**
   * Seconds a client has to send CONNECT after the server's INFO (nats-server's default is 2).
   * Tests and the local launcher give a loaded machine more; deployments keep the default.
   */
  authTimeoutSeconds?: number;
}

/** JSON strings are valid NATS config strings, and quoting every value avoids parser surprises with `$`. */
const q = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;

/**
 * A nats-server config for one zone: loopback listener, JetStream with a file store, and one
 * user per topology entry with the permissions of `userPermissions`.
 */
export function renderNatsServerConfig(opts: RenderNatsServerConfigOptions): string {
  const topo = zoneTopology(opts.zone);
  const serverVersion = opts.serverVersion ?? DEFAULT_SERVER_VERSION;
  const lines: string[] = [];
  lines.push(`# generated by @hall/messaging renderNatsServerConfig for the ${opts.zone} zone; do not edit by hand`);
  lines.push(`server_name: ${q(opts.serverName ?? `hall-${opts.zone}`)}`);
  lines.push(`listen: ${q(`${opts.host}:${opts.port}`)}`);
  if (opts.monitorPort !== undefined) lines.push(`http: ${q(`${opts.host}:${opts.monitorPort}`)}`);
  lines.push('jetstream {');
  lines.push(`  store_dir: ${q(opts.storeDir)}`);
  if (opts.syncAlways) {
    if (versionAtLeast(serverVersion, 2, 10)) {
      lines.push('  sync_interval: always');
    } else {
      // nats-server < 2.10 rejects `sync_interval` ("unknown field"), so it is left out: such a
      // server syncs on its default interval and the producers' retained outbox rows are what
      // makes a lost message re-sendable.
      lines.push(`  # sync_interval: always  -- omitted: not supported by nats-server ${serverVersion} (needs 2.10+)`);
    }
  }
  lines.push('}');
  lines.push('authorization {');
  if (opts.authTimeoutSeconds !== undefined) lines.push(`  timeout: ${opts.authTimeoutSeconds}`);
  lines.push('  users: [');
  for (const u of topo.users) {
    const pass = opts.passwords[u.name];
    if (!pass) throw new Error(`no password given for ${opts.zone} user ${u.name}`);
    const p = userPermissions(opts.zone, u.name, serverVersion);
    lines.push(`    # ${u.description}`);
    lines.push(`    { user: ${q(u.name)}, password: ${q(pass)}, permissions: {`);
    const pub = [
      ...(p.publish.allow.length > 0 ? [`allow: ${list(p.publish.allow)}`] : []),
      ...(p.publish.deny ? [`deny: ${list(p.publish.deny)}`] : []),
    ];
    lines.push(`        publish: { ${pub.join(', ')} }`);
    lines.push(`        subscribe: { allow: ${list(p.subscribe.allow)} }`);
    lines.push('    } }');
  }
  lines.push('  ]');
  lines.push('}');
  return lines.join('\n') + '\n';
}

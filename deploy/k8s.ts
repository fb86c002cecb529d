/**
 * Kubernetes manifests per zone (one cluster, or at least one namespace, per zone; the zones share
 * nothing): `<zone>.yaml` with a 3-node NATS JetStream cluster (StatefulSet, generated config,
 * R3 streams created by a Job), Postgres, distributed MinIO, every service as a Deployment with
 * readiness (/ready) and liveness (/health) probes and resource limits, an Ingress, and network
 * policies that allow traffic inside the zone's namespace only; `relay-<zone>.yaml` with the relay
 * halves that run in the zone. Built from typed models of kubernetes-models, so a misspelt field
 * fails the type check and `validate()` checks every object against the Kubernetes schema.
 * Secrets are referenced by name; deploy/secrets.ts creates them.
 */
import { ConfigMap, Namespace, Service, type IContainer, type IEnvVar, type IPodSecurityContext, type IPodSpec, type IProbe, type ISecurityContext, type IVolume } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { ZoneName } from '@hall/platform/topology';
import { zoneUsers } from '@hall/messaging';
import { NATS_IMAGE, natsPasswordVar, renderDeployNatsConfig, statefulSetRoutes } from './nats.js';
import { HTTP_PORT, RELAY_UDP_PORT, dbPasswordVar, zoneDatabases, imageName, unitEnv, zoneIngress, zoneRelayHalves, zoneServices, type Unit, type ZoneHosts } from './model.js';
import { MINIO_IMAGE, POSTGRES_IMAGE, provisionDatabasesArgs } from './compose.js';
import { MC_IMAGE, provisionScript, s3SecretVar, storeUsers } from './minio.js';

export const namespaceOf = (zone: ZoneName) => `hall-${zone}`;
const SECRET = 'hall-secrets';
const KEYS = 'hall-keys';
const NATS_REPLICAS = 3;
const MINIO_REPLICAS = 4;

type Manifest = { toJSON(): unknown; validate(): void };

const labels = (app: string, zone: ZoneName) => ({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'service-hall', 'hall.gov/zone': zone });
const selector = (app: string) => ({ 'app.kubernetes.io/name': app });
const secretEnv = (name: string, secret = SECRET): IEnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } });
const restricted: ISecurityContext = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };

/** Env for a unit: secret variables first, so `$(VAR)` in the later values expands to them. */
function containerEnv(u: Unit, hosts: ZoneHosts): IEnvVar[] {
  const natsVar = natsPasswordVar(u.natsUser);
  const refs = new Set<string>();
  const env: IEnvVar[] = Object.entries(unitEnv(u, hosts, '/etc/hall/keys')).map(([name, value]) => {
    // NATS_PASS is a whole secret: read it from the Secret directly.
    if (name === 'NATS_PASS') return { name, valueFrom: { secretKeyRef: { name: SECRET, key: natsVar } } };
    return { name, value: value.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, v: string) => { refs.add(v); return `$(${v})`; }) };
  });
  return [...[...refs].sort().map((v) => secretEnv(v)), ...env];
}

const httpProbe = (path: string, failureThreshold: number): IProbe => ({ httpGet: { path, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold });

function appContainer(u: Unit, hosts: ZoneHosts, registry: string, version: string): IContainer {
  return {
    name: u.service,
    image: `${registry}/${imageName(u.service)}:${version}`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: HTTP_PORT }, ...(u.relay?.role === 'receiver' ? [{ name: 'diode', containerPort: RELAY_UDP_PORT, protocol: 'UDP' as const }] : [])],
    env: containerEnv(u, hosts),
    readinessProbe: httpProbe('/ready', 3),
    livenessProbe: httpProbe('/health', 6),
    startupProbe: { ...httpProbe('/health', 30), periodSeconds: 2 },
    resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    securityContext: restricted,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(u.auth || u.identity ? [{ name: 'keys', mountPath: '/etc/hall/keys', readOnly: true }] : [])],
  };
}

function podVolumes(u: Unit) {
  const items = [...(u.auth ? [{ key: 'public-keys.json', path: 'public-keys.json' }] : []), ...(u.identity ? [{ key: 'signing-key.json', path: 'signing-key.json' }] : [])];
  return [{ name: 'tmp', emptyDir: {} }, ...(items.length ? [{ name: 'keys', secret: { secretName: KEYS, items, defaultMode: 0o400 } }] : [])];
}

const podSecurityFor = (uid: number): IPodSecurityContext => ({ runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } });
/** The images' unprivileged user (distroless `nonroot`). */
const podSecurity = podSecurityFor(65532);

interface StatefulSetSpec {
  name: string;
  zone: ZoneName;
  replicas: number;
  serviceName?: string;
  parallel?: boolean;
  uid: number;
  container: IContainer;
  volumes?: IVolume[];
  /** Size of the per-pod volume `data` (none when absent). */
  storage?: string;
  pod?: Partial<IPodSpec>;
}

/** A StatefulSet with this project's pod defaults: non-root, no service-account token. */
function statefulSet(o: StatefulSetSpec): StatefulSet {
  return new StatefulSet({
    metadata: { name: o.name, namespace: namespaceOf(o.zone), labels: labels(o.name, o.zone) },
    spec: {
      serviceName: o.serviceName ?? o.name, replicas: o.replicas, selector: { matchLabels: selector(o.name) },
      ...(o.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      template: {
        metadata: { labels: labels(o.name, o.zone) },
        spec: { securityContext: podSecurityFor(o.uid), automountServiceAccountToken: false, ...o.pod, containers: [o.container], ...(o.volumes ? { volumes: o.volumes } : {}) },
      },
      ...(o.storage ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage } } } }] } : {}),
    },
  });
}

export interface K8sOptions { registry?: string; version?: string; ingressHost?: Partial<Record<ZoneName, string | undefined>>; diodeCidr?: string }

function hostsOf(zone: ZoneName): ZoneHosts {
  const ns = namespaceOf(zone);
  return { postgres: `postgres.${ns}.svc:5432`, nats: `nats://nats-client.${ns}.svc:4222`, s3: `http://minio.${ns}.svc:9000`, url: (name) => `http://${name}.${ns}.svc:${HTTP_PORT}` };
}

function serviceObjects(u: Unit, opts: Required<Pick<K8sOptions, 'registry' | 'version'>>): Manifest[] {
  const ns = namespaceOf(u.zone);
  const replicas = 2;
  return [
    new Deployment({
      metadata: { name: u.name, namespace: ns, labels: labels(u.name, u.zone) },
      spec: {
        replicas,
        selector: { matchLabels: selector(u.name) },
        // Zero downtime: a new pod must be ready before an old one goes.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: labels(u.name, u.zone) },
          spec: {
            securityContext: podSecurity,
            terminationGracePeriodSeconds: 30,
            automountServiceAccountToken: false,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector(u.name) } }],
            containers: [appContainer(u, hostsOf(u.zone), opts.registry, opts.version)],
            volumes: podVolumes(u),
          },
        },
      },
    }),
    new Service({ metadata: { name: u.name, namespace: ns, labels: labels(u.name, u.zone) }, spec: { selector: selector(u.name), ports: [{ name: 'http', port: HTTP_PORT, targetPort: 'http' }] } }),
    new PodDisruptionBudget({ metadata: { name: u.name, namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: selector(u.name) } } }),
  ];
}

function natsObjects(zone: ZoneName, opts: Required<Pick<K8sOptions, 'registry' | 'version'>>): Manifest[] {
  const ns = namespaceOf(zone);
  const conf = renderDeployNatsConfig({ zone, serverName: { env: 'POD_NAME' }, cluster: { name: `hall-${zone}`, port: 6222, routes: statefulSetRoutes(ns, NATS_REPLICAS) } });
  return [
    new ConfigMap({ metadata: { name: 'nats-config', namespace: ns }, data: { 'nats.conf': conf } }),
    new Service({ metadata: { name: 'nats', namespace: ns, labels: labels('nats', zone) }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: selector('nats'), ports: [{ name: 'client', port: 4222 }, { name: 'cluster', port: 6222 }, { name: 'monitor', port: 8222 }] } }),
    new Service({ metadata: { name: 'nats-client', namespace: ns, labels: labels('nats', zone) }, spec: { selector: selector('nats'), ports: [{ name: 'client', port: 4222 }, { name: 'monitor', port: 8222 }] } }),
    statefulSet({
      name: 'nats', zone, replicas: NATS_REPLICAS, parallel: true, uid: 1000, storage: '20Gi',
      pod: {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector('nats') } }] } },
        terminationGracePeriodSeconds: 60,
      },
      container: {
        name: 'nats', image: NATS_IMAGE, args: ['-c', '/etc/nats/nats.conf'],
        ports: [{ name: 'client', containerPort: 4222 }, { name: 'cluster', containerPort: 6222 }, { name: 'monitor', containerPort: 8222 }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, ...zoneUsers(zone).map((u) => secretEnv(natsPasswordVar(u)))],
        readinessProbe: { httpGet: { path: '/healthz?js-enabled-only=true', port: 'monitor' }, periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { httpGet: { path: '/healthz?js-enabled-only=true', port: 'monitor' }, initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 3 },
        startupProbe: { httpGet: { path: '/healthz', port: 'monitor' }, periodSeconds: 5, failureThreshold: 60 },
        // Lame-duck mode: clients move to the other two servers before this one stops.
        lifecycle: { preStop: { exec: { command: ['nats-server', '-sl=ldm=/var/run/nats/nats.pid'] } } },
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
        securityContext: restricted,
        volumeMounts: [{ name: 'config', mountPath: '/etc/nats' }, { name: 'data', mountPath: '/data' }, { name: 'run', mountPath: '/var/run/nats' }],
      },
      volumes: [{ name: 'config', configMap: { name: 'nats-config' } }, { name: 'run', emptyDir: {} }],
    }),
    new PodDisruptionBudget({ metadata: { name: 'nats', namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: selector('nats') } } }),
    provisionJob('provision-streams', zone, opts.version, {
      image: `${opts.registry}/hall-tools:${opts.version}`, args: ['/app/provision.mjs'],
      env: [{ name: 'ZONE', value: zone }, { name: 'NATS_URL', value: `nats://nats-client.${ns}.svc:4222` }, { name: 'NATS_USER', value: 'provisioner' }, { name: 'NATS_PASS', valueFrom: { secretKeyRef: { name: SECRET, key: natsPasswordVar('provisioner') } } }, { name: 'STREAM_REPLICAS', value: String(NATS_REPLICAS) }],
    }),
  ];
}

/** An idempotent provisioning Job, once per release (its name carries the version), restricted like every pod. */
function provisionJob(name: string, zone: ZoneName, version: string, container: Omit<IContainer, 'name'>, volumes?: IVolume[]): Job {
  return new Job({
    metadata: { name: `${name}-${version.replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63), namespace: namespaceOf(zone), labels: labels(name, zone) },
    spec: {
      backoffLimit: 10,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels: labels(name, zone) },
        spec: {
          restartPolicy: 'OnFailure', securityContext: podSecurity, automountServiceAccountToken: false,
          containers: [{ name: 'provision', resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }, securityContext: restricted, ...container }],
          ...(volumes ? { volumes } : {}),
        },
      },
    },
  });
}

function storeObjects(zone: ZoneName, opts: Required<Pick<K8sOptions, 'registry' | 'version'>>): Manifest[] {
  const ns = namespaceOf(zone);
  return [
    new Service({ metadata: { name: 'postgres', namespace: ns, labels: labels('postgres', zone) }, spec: { selector: selector('postgres'), ports: [{ name: 'pg', port: 5432 }] } }),
    // One primary here; production runs Postgres with a streaming standby (an operator such as
    // CloudNativePG, or the zone's managed database): point DATABASE_URL's host at it instead.
    statefulSet({
      name: 'postgres', zone, replicas: 1, uid: 70, storage: '100Gi',
      container: {
        name: 'postgres', image: POSTGRES_IMAGE, ports: [{ name: 'pg', containerPort: 5432 }],
        env: [{ name: 'POSTGRES_USER', value: 'hall' }, secretEnv('POSTGRES_PASSWORD'), { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
        readinessProbe: { exec: { command: ['pg_isready', '-U', 'hall', '-d', 'postgres'] }, periodSeconds: 5 },
        livenessProbe: { exec: { command: ['pg_isready', '-U', 'hall', '-d', 'postgres'] }, periodSeconds: 20, failureThreshold: 6 },
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '4', memory: '8Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }, { name: 'run', mountPath: '/var/run/postgresql' }],
      },
      volumes: [{ name: 'run', emptyDir: {} }],
    }),
    // A login role per unit owning only its database; idempotent, once per release and after a rotation.
    provisionJob('provision-databases', zone, opts.version, {
      image: `${opts.registry}/hall-tools:${opts.version}`, args: provisionDatabasesArgs(zone),
      env: [secretEnv('POSTGRES_PASSWORD'), ...zoneDatabases(zone).map((db) => secretEnv(dbPasswordVar(db))), { name: 'DATABASE_URL', value: `postgres://hall:$(POSTGRES_PASSWORD)@postgres.${ns}.svc:5432/postgres` }],
    }),
    new Service({ metadata: { name: 'minio-nodes', namespace: ns, labels: labels('minio', zone) }, spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: selector('minio'), ports: [{ name: 's3', port: 9000 }] } }),
    new Service({ metadata: { name: 'minio', namespace: ns, labels: labels('minio', zone) }, spec: { selector: selector('minio'), ports: [{ name: 's3', port: 9000 }] } }),
    // Distributed MinIO (erasure coding over 4 nodes): survives the loss of a node.
    statefulSet({
      name: 'minio', zone, replicas: MINIO_REPLICAS, serviceName: 'minio-nodes', parallel: true, uid: 1000, storage: '200Gi',
      container: {
        name: 'minio', image: MINIO_IMAGE,
        args: ['server', `http://minio-{0...${MINIO_REPLICAS - 1}}.minio-nodes.${ns}.svc.cluster.local/data`],
        ports: [{ name: 's3', containerPort: 9000 }],
        env: [{ name: 'MINIO_ROOT_USER', value: 'hall' }, secretEnv('MINIO_ROOT_PASSWORD')],
        readinessProbe: { httpGet: { path: '/minio/health/ready', port: 's3' }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: '/minio/health/live', port: 's3' }, periodSeconds: 20, failureThreshold: 6 },
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '4Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    }),
    // The bucket (no anonymous access) and a MinIO user and policy per process (deploy/minio.ts);
    // idempotent, once per release, and again after a secret rotation.
    provisionJob('provision-store', zone, opts.version, {
      image: MC_IMAGE, command: ['/bin/sh', '-c', provisionScript(zone)],
      env: [{ name: 'S3_URL', value: `http://minio.${ns}.svc:9000` }, { name: 'MC_CONFIG_DIR', value: '/tmp/.mc' }, secretEnv('MINIO_ROOT_PASSWORD'), ...storeUsers(zone).map((u) => secretEnv(s3SecretVar(u)))],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    }, [{ name: 'tmp', emptyDir: {} }]),
  ];
}

/**
 * Default deny, then: any pod of the namespace to any pod of the same namespace; DNS; the ingress
 * controller to the front services. Nothing else leaves or enters the namespace, so no process
 * of one zone can open a connection into the other (the zones are separate clusters as well).
 */
function policyObjects(zone: ZoneName, diodeCidr: string): Manifest[] {
  const ns = namespaceOf(zone);
  const ing = zoneIngress(zone);
  const halves = zoneRelayHalves(zone);
  return [
    new NetworkPolicy({ metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }),
    new NetworkPolicy({ metadata: { name: 'same-zone-only', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } }),
    new NetworkPolicy({
      metadata: { name: 'dns', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] },
    }),
    new NetworkPolicy({
      metadata: { name: 'from-ingress-controller', namespace: ns },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [ing.identity, ing.front, ...ing.extra.map((e) => e.target)] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: HTTP_PORT }] }],
      },
    }),
    // The one-way diode link: a sender may send UDP to the diode's input, a receiver may receive
    // UDP from the diode's output; both only on the lane port and only from/to the diode's address.
    ...halves.map((h) => new NetworkPolicy({
      metadata: { name: `${h.name}-diode`, namespace: ns },
      spec: h.relay!.role === 'sender'
        ? { podSelector: { matchLabels: selector(h.name) }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: diodeCidr } }], ports: [{ protocol: 'UDP', port: RELAY_UDP_PORT }] }] }
        : { podSelector: { matchLabels: selector(h.name) }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: diodeCidr } }], ports: [{ protocol: 'UDP', port: RELAY_UDP_PORT }] }] },
    })),
  ];
}

function ingressObjects(zone: ZoneName, host: string): Manifest[] {
  const ns = namespaceOf(zone);
  const ing = zoneIngress(zone);
  const backend = (name: string) => ({ service: { name, port: { number: HTTP_PORT } } });
  const stripped = [{ prefix: '/auth', target: ing.identity }, ...ing.extra.map((e) => ({ prefix: e.prefix.replace(/\/$/, ''), target: e.target }))];
  return [
    new Ingress({
      metadata: { name: 'api-prefixes', namespace: ns, annotations: { 'nginx.ingress.kubernetes.io/use-regex': 'true', 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/proxy-body-size': '64m' } },
      spec: { ingressClassName: 'nginx', tls: [{ hosts: [host], secretName: 'hall-tls' }], rules: [{ host, http: { paths: stripped.map((s) => ({ path: `${s.prefix}(/|$)(.*)`, pathType: 'ImplementationSpecific', backend: backend(s.target) })) } }] },
    }),
    new Ingress({
      metadata: { name: 'front', namespace: ns, annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '64m' } },
      spec: { ingressClassName: 'nginx', tls: [{ hosts: [host], secretName: 'hall-tls' }], rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend(ing.front) }] } }] },
    }),
  ];
}

export function zoneManifests(zone: ZoneName, opts: K8sOptions = {}): Manifest[] {
  const o = { registry: opts.registry ?? 'registry.hall.local/hall', version: opts.version ?? '0.1.0' };
  const ns = namespaceOf(zone);
  const host = opts.ingressHost?.[zone] ?? (zone === 'internet' ? 'hall.example.gov.cn' : 'hall.zwww.example.gov.cn');
  return [
    new Namespace({ metadata: { name: ns, labels: { 'hall.gov/zone': zone, 'pod-security.kubernetes.io/enforce': 'baseline' } } }),
    ...policyObjects(zone, opts.diodeCidr ?? '192.0.2.10/32'),
    ...natsObjects(zone, o),
    ...storeObjects(zone, o),
    ...zoneServices(zone).flatMap((u) => serviceObjects(u, o)),
    ...ingressObjects(zone, host),
  ];
}

/**
 * The relay halves in a zone, active/standby: each half is a StatefulSet of two pods running the
 * same configuration. Only the pod holding the lane lease (a Postgres advisory lock in the half's
 * database, services/relay/src/lease.ts) sends or binds the diode port; the other waits and answers
 * /ready with 503, so the headless Service resolves to the active pod only. When the active pod
 * dies its database session ends, the lease is released and the standby takes over within a second.
 */
export function relayManifests(zone: ZoneName, opts: K8sOptions = {}): Manifest[] {
  const o = { registry: opts.registry ?? 'registry.hall.local/hall', version: opts.version ?? '0.1.0' };
  const ns = namespaceOf(zone);
  return zoneRelayHalves(zone).flatMap((u) => [
    statefulSet({
      name: u.name, zone, replicas: 2, parallel: true, uid: 65532,
      pod: { terminationGracePeriodSeconds: 30 },
      container: appContainer(u, hostsOf(zone), o.registry, o.version),
      volumes: podVolumes(u),
    }),
    new Service({ metadata: { name: u.name, namespace: ns, labels: labels(u.name, zone) }, spec: { clusterIP: 'None', selector: selector(u.name), ports: [{ name: 'http', port: HTTP_PORT }, ...(u.relay!.role === 'receiver' ? [{ name: 'diode', port: RELAY_UDP_PORT, protocol: 'UDP' as const }] : [])] } }),
  ]);
}

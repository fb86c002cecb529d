/**
 * AWS Signature Version 4 for the S3 endpoint that stands in for MinIO (./s3.ts): verification of
 * the Authorization header and of presigned URLs (query authentication), and the per-credential
 * policy (buckets, key prefixes, read or read-write) that MinIO's users and bucket policies give in
 * deployment. Pure functions over a request's method, raw URL and headers, so that the AWS test
 * vectors check them without a server.
 *
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What one credential may touch: a bucket, optionally only keys under some prefixes. */
export interface S3Grant {
  bucket: string;
  /** Key prefixes (e.g. `materials/`); every key of the bucket when omitted. */
  prefixes?: string[];
  /** `read`: get, head, list; `readwrite`: also put (and copy into) and delete. */
  access: 'read' | 'readwrite';
}

export interface S3Credential {
  accessKey: string;
  secretKey: string;
  /** Every bucket and the service-level calls (list, create and delete buckets): the store's root user. */
  admin?: boolean;
  grants?: S3Grant[];
}

/** An S3 error answer: the code clients (minio-js, the AWS SDKs) read from the XML body. */
export interface S3Refusal { status: number; code: string; message: string }

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Header-signed requests older or newer than this are refused (S3 and MinIO: 15 minutes). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const refuse = (status: number, code: string, message: string): S3Refusal => ({ status, code, message });
export const accessDenied = (message = 'Access Denied.'): S3Refusal => refuse(403, 'AccessDenied', message);

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ (and '/' in paths). */
export function awsEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The query string's parameters, decoded, in order ('+' is a literal plus, as S3 reads it). */
export function parseQuery(rawQuery: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = decode(eq < 0 ? '' : part.slice(eq + 1));
    if (name === undefined || value === undefined) return undefined;
    out.push([name, value]);
  }
  return out;
}

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query, still percent-encoded. */
  url: string;
  /** Lower-case names; repeated headers as arrays (Node's `headersDistinct`) or joined. */
  headers: Record<string, string | string[] | undefined>;
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string, dropQuery?: string): string | undefined {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const path = decode(rawPath);
  const query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
  if (path === undefined || query === undefined) return undefined;
  const canonicalQuery = query
    .filter(([k]) => k !== dropQuery)
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(header(req, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  // S3 signs the path encoded once and not normalised (unlike the other AWS services).
  return [req.method, awsEncode(path, true), canonicalQuery, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function signingKey(secretKey: string, date: string, region: string, service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), 'aws4_request');
}

export function signature(secretKey: string, amzDate: string, scope: { date: string; region: string; service: string }, canonical: string): string {
  const stringToSign = [ALGORITHM, amzDate, `${scope.date}/${scope.region}/${scope.service}/aws4_request`, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
  return createHmac('sha256', signingKey(secretKey, scope.date, scope.region, scope.service)).update(stringToSign, 'utf8').digest('hex');
}

/** 20130524T000000Z → epoch ms, or NaN. */
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

export interface Verified {
  credential: S3Credential;
  /** The x-amz-content-sha256 the signature covers: a hex digest the body must match, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
  /** Presigned URL (query authentication) rather than an Authorization header. */
  presigned: boolean;
}

interface Parsed { accessKey: string; date: string; region: string; service: string; signedHeaders: string[]; signature: string; amzDate: string }

function parseCredential(cred: string): Pick<Parsed, 'accessKey' | 'date' | 'region' | 'service'> | undefined {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0]) return undefined;
  return { accessKey: parts[0], date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/**
 * Checks a request's SigV4 signature against the credentials `lookup` knows. Anonymous requests,
 * other signature versions, unknown keys, bad signatures and stale or expired requests are refused
 * with the codes S3 and MinIO use.
 */
export function verifySigV4(req: SignedRequest, lookup: (accessKey: string) => S3Credential | undefined, now = Date.now()): Verified | S3Refusal {
  const authorization = header(req, 'authorization');
  const q = req.url.indexOf('?');
  const query = new Map(parseQuery(q < 0 ? '' : req.url.slice(q + 1)) ?? []);
  const presigned = query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature');
  if (authorization && presigned) return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed.');
  if (!authorization && !presigned) {
    if (query.has('Signature') || query.has('AWSAccessKeyId')) return accessDenied('Signature version 2 is not accepted; sign with AWS4-HMAC-SHA256.');
    return accessDenied('Anonymous access is forbidden; sign the request with AWS4-HMAC-SHA256.');
  }

  let p: Parsed;
  let payloadHash: string;
  if (authorization) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      return authorization.startsWith('AWS ') ? accessDenied('Signature version 2 is not accepted; sign with AWS4-HMAC-SHA256.') : refuse(400, 'AuthorizationHeaderMalformed', 'Unsupported authorization type.');
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const cred = parseCredential(fields.get('Credential') ?? '');
    const signedHeaders = fields.get('SignedHeaders');
    const sig = fields.get('Signature');
    if (!cred || !signedHeaders || !sig) return refuse(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed: it needs Credential, SignedHeaders and Signature.');
    const amzDate = header(req, 'x-amz-date') ?? '';
    const hash = header(req, 'x-amz-content-sha256');
    if (!hash) return refuse(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    payloadHash = hash;
    p = { ...cred, signedHeaders: signedHeaders.split(';'), signature: sig, amzDate };
  } else {
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}".`);
    const cred = parseCredential(query.get('X-Amz-Credential') ?? '');
    const signedHeaders = query.get('X-Amz-SignedHeaders');
    const sig = query.get('X-Amz-Signature');
    if (!cred || !signedHeaders || !sig || !query.has('X-Amz-Date') || !query.has('X-Amz-Expires')) {
      return refuse(400, 'AuthorizationQueryParametersError', 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
    }
    payloadHash = header(req, 'x-amz-content-sha256') ?? 'UNSIGNED-PAYLOAD';
    p = { ...cred, signedHeaders: signedHeaders.split(';'), signature: sig, amzDate: query.get('X-Amz-Date')! };
  }

  if (p.service !== 's3') return refuse(400, authorization ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError', `The credential scope names service ${p.service}; expected s3.`);
  if (!p.signedHeaders.includes('host') || p.signedHeaders.some((h) => h !== h.toLowerCase())) {
    return refuse(400, authorization ? 'AuthorizationHeaderMalformed' : 'AuthorizationQueryParametersError', 'SignedHeaders must be lower-case and include host.');
  }
  const at = parseAmzDate(p.amzDate);
  if (Number.isNaN(at) || p.amzDate.slice(0, 8) !== p.date) return accessDenied('X-Amz-Date must be yyyyMMddTHHmmssZ and match the credential scope date.');

  const credential = lookup(p.accessKey);
  if (!credential) return refuse(403, 'InvalidAccessKeyId', 'The Access Key Id you provided does not exist in our records.');

  if (!/^(UNSIGNED-PAYLOAD|[0-9a-f]{64})$/.test(payloadHash)) {
    return payloadHash.startsWith('STREAMING-')
      ? refuse(501, 'NotImplemented', 'Chunked (aws-chunked) uploads are not supported by this store; send the payload hash or UNSIGNED-PAYLOAD.')
      : refuse(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a lower-case hex SHA-256.');
  }
  const canonical = canonicalRequest(req, p.signedHeaders, payloadHash, presigned ? 'X-Amz-Signature' : undefined);
  if (canonical === undefined) return refuse(400, 'InvalidURI', 'Could not parse the specified URI.');
  const expected = Buffer.from(signature(credential.secretKey, p.amzDate, p, canonical), 'utf8');
  const given = Buffer.from(p.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }

  // Time after the signature, as S3 does: an unsigned clock tells an attacker nothing.
  if (presigned) {
    const expires = Number(query.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds.');
    if (now > at + expires * 1000) return accessDenied('Request has expired');
    if (at - now > MAX_SKEW_MS) return accessDenied('Request is not valid yet');
  } else if (Math.abs(now - at) > MAX_SKEW_MS) {
    return refuse(403, 'RequestTimeTooSkewed', 'The difference between the request time and the server\'s time is too large.');
  }
  return { credential, payloadHash, presigned };
}

/** What a request does, as the policy sees it. */
export interface S3Operation {
  method: string;
  /** Decoded; undefined for the service (GET /). */
  bucket?: string;
  /** Decoded object key; undefined for bucket calls. */
  key?: string;
  query: Map<string, string>;
  /** x-amz-copy-source, decoded: the object a PUT copies from. */
  copySource?: { bucket: string; key: string };
}

/** Query parameters of a plain bucket listing (ListObjects, ListObjectsV2). */
const LIST_PARAMS = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'marker', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner']);

/** Splits a path-style request target into bucket and key; undefined for a malformed target. */
export function operationOf(method: string, url: string, copySource?: string): S3Operation | undefined {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  if (!rawPath.startsWith('/') || !query) return undefined;
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  const key = decode(rawKey);
  if (bucket === undefined || key === undefined) return undefined;
  const op: S3Operation = { method, query: new Map(query), ...(bucket ? { bucket } : {}), ...(key ? { key } : {}) };
  if (copySource) {
    const src = decode(copySource.split('?')[0]!.replace(/^\//, ''));
    const i = src?.indexOf('/') ?? -1;
    if (!src || i <= 0) return undefined;
    op.copySource = { bucket: src.slice(0, i), key: src.slice(i + 1) };
  }
  return op;
}

/**
 * s3rver keeps objects as files under <dir>/<bucket>/<key>: a `.` or `..` segment would reach
 * another prefix or bucket than the one the policy checked, so such keys are refused outright.
 */
export function safeKey(key: string): boolean {
  return key.length <= 1024 && !key.split('/').some((s) => s === '.' || s === '..') && !key.includes('\0');
}

function allows(cred: S3Credential, bucket: string, need: 'read' | 'readwrite', covers: (prefixes: string[]) => boolean): boolean {
  return (cred.grants ?? []).some((g) => g.bucket === bucket && (need === 'read' || g.access === 'readwrite') && (!g.prefixes || covers(g.prefixes)));
}

/** null when the credential's policy allows the operation, else the refusal. */
export function authorize(cred: S3Credential, op: S3Operation): S3Refusal | null {
  if (op.key !== undefined && !safeKey(op.key)) return refuse(400, 'InvalidArgument', 'Object keys may not contain "." or ".." path segments.');
  if (op.copySource && !safeKey(op.copySource.key)) return refuse(400, 'InvalidArgument', 'Object keys may not contain "." or ".." path segments.');
  if (cred.admin) return null;
  const { bucket, key, method } = op;
  if (bucket === undefined) return accessDenied();
  const onKey = (k: string) => (prefixes: string[]) => prefixes.some((p) => k.startsWith(p));
  if (key === undefined) {
    const subresources = [...op.query.keys()].filter((k) => !LIST_PARAMS.has(k));
    // HeadBucket and GetBucketLocation: what a client checks before it uses a bucket it may use.
    if (method === 'HEAD' && subresources.length === 0) return allows(cred, bucket, 'read', () => true) ? null : accessDenied();
    if (method === 'GET' && subresources.length === 1 && subresources[0] === 'location') return allows(cred, bucket, 'read', () => true) ? null : accessDenied();
    if (method === 'GET' && subresources.length === 0) {
      const prefix = op.query.get('prefix') ?? '';
      return allows(cred, bucket, 'read', onKey(prefix)) ? null : accessDenied();
    }
    // Creating, deleting and configuring buckets, multi-object delete, form uploads: root only.
    return accessDenied();
  }
  if (method === 'GET' || method === 'HEAD') return allows(cred, bucket, 'read', onKey(key)) ? null : accessDenied();
  if (method === 'PUT' || method === 'POST' || method === 'DELETE') {
    if (!allows(cred, bucket, 'readwrite', onKey(key))) return accessDenied();
    if (op.copySource && !allows(cred, op.copySource.bucket, 'read', onKey(op.copySource.key))) return accessDenied();
    return null;
  }
  return accessDenied();
}

/** The XML body of an S3 error answer. */
export function errorXml(r: S3Refusal, resource: string, requestId: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(r.code)}</Code><Message>${esc(r.message)}</Message><Resource>${esc(resource)}</Resource><RequestId>${esc(requestId)}</RequestId></Error>`;
}

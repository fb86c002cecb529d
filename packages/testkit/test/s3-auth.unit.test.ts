/**
 * The SigV4 verifier and the per-credential policy of the test/demo object store (s3-auth.ts),
 * checked against the signature examples of the S3 documentation ("Signature Calculations for the
 * Authorization Header" and "Query String Authentication": examplebucket, AKIAIOSFODNN7EXAMPLE,
 * 20130524T000000Z, us-east-1), which fix every step of the canonical request.
 */
import { authorize, operationOf, verifySigV4, type S3Credential, type SignedRequest } from '../src/s3-auth.js';

const AWS: S3Credential = { accessKey: 'AKIAIOSFODNN7EXAMPLE', secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', grants: [{ bucket: 'examplebucket', access: 'readwrite' }] };
const lookup = (k: string) => (k === AWS.accessKey ? AWS : undefined);
const NOW = Date.UTC(2013, 4, 24, 0, 5, 0);
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SCOPE = 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';
const auth = (signed: string, sig: string) => `AWS4-HMAC-SHA256 Credential=${SCOPE},SignedHeaders=${signed},Signature=${sig}`;

/** The documentation's four header-signed examples. */
const VECTORS: { name: string; req: SignedRequest }[] = [
  {
    name: 'GET object with a Range header',
    req: { method: 'GET', url: '/test.txt', headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': '20130524T000000Z', authorization: auth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41') } },
  },
  {
    name: 'PUT object (a key with $, a signed Date and storage class)',
    req: { method: 'PUT', url: '/test%24file.text', headers: { host: 'examplebucket.s3.amazonaws.com', date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072', authorization: auth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd') } },
  },
  {
    name: 'GET bucket lifecycle (a subresource without a value)',
    req: { method: 'GET', url: '/?lifecycle', headers: { host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY, authorization: auth('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543') } },
  },
  {
    name: 'GET bucket (list objects, query parameters sorted)',
    req: { method: 'GET', url: '/?max-keys=2&prefix=J', headers: { host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY, authorization: auth('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7') } },
  },
];

const PRESIGNED = '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';

describe('SigV4 verification against the S3 documentation examples', () => {
  it.each(VECTORS)('accepts $name', ({ req }) => {
    const v = verifySigV4(req, lookup, NOW);
    expect(v).toMatchObject({ credential: AWS, presigned: false });
  });

  it.each(VECTORS)('refuses $name with one signed header changed', ({ req }) => {
    const tampered = { ...req, headers: { ...req.headers, host: 'otherbucket.s3.amazonaws.com' } };
    expect(verifySigV4(tampered, lookup, NOW)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a changed path, query or method', () => {
    const [get, , , list] = VECTORS;
    expect(verifySigV4({ ...get!.req, url: '/test2.txt' }, lookup, NOW)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4({ ...list!.req, url: '/?max-keys=3&prefix=J' }, lookup, NOW)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4({ ...get!.req, method: 'DELETE' }, lookup, NOW)).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('accepts the presigned URL example within its 24 hours and refuses it after, or tampered', () => {
    const req = { method: 'GET', url: PRESIGNED, headers: { host: 'examplebucket.s3.amazonaws.com' } };
    expect(verifySigV4(req, lookup, NOW)).toMatchObject({ credential: AWS, presigned: true, payloadHash: 'UNSIGNED-PAYLOAD' });
    expect(verifySigV4(req, lookup, Date.UTC(2013, 4, 25, 0, 0, 1))).toMatchObject({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(verifySigV4({ ...req, url: PRESIGNED.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604800') }, lookup, NOW)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifySigV4({ ...req, url: PRESIGNED.replace('/test.txt', '/secret.txt') }, lookup, NOW)).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses anonymous requests, unknown keys, signature version 2, a skewed clock and chunked payloads', () => {
    const req = VECTORS[0]!.req;
    expect(verifySigV4({ method: 'GET', url: '/hall-materials?list-type=2', headers: { host: 'x' } }, lookup, NOW)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(verifySigV4({ ...req, headers: { ...req.headers, authorization: String(req.headers.authorization).replace('AKIAIOSFODNN7EXAMPLE', 'AKIAUNKNOWN') } }, lookup, NOW)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    expect(verifySigV4({ ...req, headers: { ...req.headers, authorization: 'AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=' } }, lookup, NOW)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(verifySigV4(req, lookup, NOW + 20 * 60_000)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
    const chunked = { ...req, headers: { ...req.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } };
    expect(verifySigV4(chunked, lookup, NOW)).toMatchObject({ status: 501, code: 'NotImplemented' });
  });
});

describe('per-credential policy', () => {
  const declaration: S3Credential = {
    accessKey: 'declaration', secretKey: 's',
    grants: [{ bucket: 'hall-materials', prefixes: ['materials/'], access: 'readwrite' }, { bucket: 'hall-materials', prefixes: ['certificates/', 'openness/'], access: 'read' }],
  };
  const may = (c: S3Credential, method: string, url: string, copy?: string) => authorize(c, operationOf(method, url, copy)!) === null;

  it('allows what the grants name and nothing else', () => {
    expect(may(declaration, 'PUT', '/hall-materials/materials/u1/a')).toBe(true);
    expect(may(declaration, 'GET', '/hall-materials/materials/u1/a')).toBe(true);
    expect(may(declaration, 'DELETE', '/hall-materials/materials/u1/a')).toBe(true);
    expect(may(declaration, 'GET', '/hall-materials/certificates/c1.pdf')).toBe(true);
    expect(may(declaration, 'PUT', '/hall-materials/certificates/c1.pdf')).toBe(false);
    expect(may(declaration, 'DELETE', '/hall-materials/openness/a/1')).toBe(false);
    expect(may(declaration, 'GET', '/hall-materials/other/x')).toBe(false);
    expect(may(declaration, 'GET', '/other-bucket/materials/x')).toBe(false);
  });

  it('lets a credential check its bucket and list only under its prefixes', () => {
    expect(may(declaration, 'HEAD', '/hall-materials')).toBe(true);
    expect(may(declaration, 'GET', '/hall-materials?location')).toBe(true);
    expect(may(declaration, 'GET', '/hall-materials?list-type=2&prefix=materials%2Fu1%2F')).toBe(true);
    expect(may(declaration, 'GET', '/hall-materials?list-type=2')).toBe(false);
    expect(may(declaration, 'GET', '/hall-materials?list-type=2&prefix=mat')).toBe(false);
    expect(may(declaration, 'HEAD', '/other-bucket')).toBe(false);
  });

  it('keeps bucket administration and the bucket list to root', () => {
    const root: S3Credential = { accessKey: 'root', secretKey: 's', admin: true };
    for (const [m, u] of [['GET', '/'], ['PUT', '/new-bucket'], ['DELETE', '/hall-materials'], ['PUT', '/hall-materials?policy'], ['POST', '/hall-materials?delete']] as const) {
      expect(may(declaration, m, u)).toBe(false);
      expect(may(root, m, u)).toBe(true);
    }
  });

  it('checks the source of a copy, and refuses dot segments that would leave the prefix on disk', () => {
    expect(may(declaration, 'PUT', '/hall-materials/materials/x', '/hall-materials/certificates/c.pdf')).toBe(true);
    expect(may(declaration, 'PUT', '/hall-materials/materials/x', '/other-bucket/y')).toBe(false);
    expect(may(declaration, 'PUT', '/hall-materials/materials/../certificates/c.pdf')).toBe(false);
    expect(may(declaration, 'GET', '/hall-materials/materials/%2E%2E/%2E%2E/other-bucket/x')).toBe(false);
  });
});

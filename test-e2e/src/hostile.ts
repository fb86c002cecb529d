/**
 * Hostile input for the bad-input suite: fast-check arbitraries for strings, JSON bodies, query
 * strings, headers and path segments that an attacker or a broken client sends — unicode edge
 * cases in Chinese names, injection strings, malformed, oversize and deeply nested JSON.
 */
import fc from 'fast-check';

/** Names that are valid-looking Chinese but break naive handling of Unicode. */
export const UNICODE_EDGE_CASES = [
  '周梦婕',
  '周\u0301梦\u0308婕', // combining marks after CJK
  '\u0301\u0301\u0301', // combining marks with no base
  '周\uD800梦婕', // lone high surrogate
  '\uDC00周梦婕', // lone low surrogate
  '周梦婕\uD83D', // truncated emoji pair
  '\u202E婕梦周', // right-to-left override
  '\u200F周\u200E梦', // RTL / LTR marks
  '周\u200B梦\u200C婕\u200D', // zero-width space / non-joiner / joiner
  '\uFEFF周梦婕', // byte-order mark
  '𠀀𠀁𪚥𰻞', // CJK extension B and G (4-byte UTF-8, surrogate pairs in JS)
  '𰻞𰻞面', // biángbiáng
  '周梦婕'.repeat(2000), // long name
  '\u3000周梦婕\u3000', // ideographic spaces
  '㈠㊣', // compatibility ideographs
  '周\u0000梦婕', // NUL inside
  '👨‍👩‍👧‍👦', // ZWJ emoji sequence
  '\uFFFF\uFFFE', // non-characters
  '周梦婕\r\n李四', // line breaks
  'Ｚｈｏｕ', // full-width latin
];

export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE application; --",
  '1; SELECT pg_sleep(10)--',
  '" OR 1=1 --',
  "\\'; DELETE FROM \"case\" WHERE '1'='1",
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(document.cookie)>',
  '"><svg/onload=alert(1)>',
  'javascript:alert(1)',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd\u0000.png',
  '%00',
  '\r\nSet-Cookie: hacked=1',
  '%0d%0aSet-Cookie:%20hacked=1',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '#{7*7}',
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  '%s%s%s%n',
  '\u001b[31m',
  'a'.repeat(70_000),
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE_EDGE_CASES, ...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...UNICODE_EDGE_CASES), fc.constantFrom(...INJECTIONS)).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'true', 'null', '[]', '{}', '2026-02-30', '9999999999999999999999') },
);

/** Values of any JSON type, biased to the hostile ones. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, true, false, null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(hostileStringLazy(), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a', '$gt', '名称'), hostileStringLazy(), { maxKeys: 3 }) },
);
function hostileStringLazy(): fc.Arbitrary<string> { return fc.constantFrom(...UNICODE_EDGE_CASES.slice(0, 12), ...INJECTIONS.slice(0, 20)); }

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[]; format?: string; minimum?: number; maximum?: number; pattern?: string };

/** A plausible value for a schema, so that mutations get past the first check to deeper code. */
function plausible(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 3) return hostileValue;
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf?.length) return fc.oneof(...s.anyOf.map((x) => plausible(x, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString());
      if (s.format === 'date') return fc.constantFrom('2026-11-27', '2026-02-29', '1900-01-01');
      return fc.oneof(fc.constantFrom('周梦婕', '340621-WJW-XZQR-001', 'gy-wjw', 'acceptance', '13800000000', '341621199203150020'), hostileString);
    case 'integer': return fc.oneof(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 100, 2 ** 31) }), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53));
    case 'number': return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308));
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(plausible(s.items, depth + 1), { maxLength: 4 });
    case 'object': return guidedObject(s, depth + 1);
    default: return hostileValue;
  }
}

function guidedObject(s: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  if (props.length === 0) return fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor')), hostileValue, { maxKeys: 4 });
  // Each property: absent, plausible, or hostile; sometimes an extra unknown property.
  const entries = props.map(([k, v]) => fc.option(fc.oneof(plausible(v, depth), hostileValue), { nil: undefined, freq: 4 }).map((val) => [k, val] as const));
  return fc.tuple(fc.tuple(...entries), fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'isAdmin', 'status'), hostileValue))).map(([kv, extra]) => {
    const o: Record<string, unknown> = {};
    for (const [k, val] of kv) if (val !== undefined) o[k] = val;
    if (extra) Object.defineProperty(o, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true });
    return o;
  });
}

export interface RawBody { payload?: string | Buffer; contentType?: string; label: string }

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const OVERSIZE = '{"a":"' + 'x'.repeat(2 * 1024 * 1024) + '"}';
const MALFORMED_JSON = ['{', '{"a":', '[1,2,]', '{"a":1}{"b":2}', 'nul', "{'a':1}", '{"a":NaN}', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\u0000"}', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}', '', ' ', '"just a string"', '12', 'true'];

/** A request body: JSON guided by the route's schema, random JSON, or bytes that are not JSON at all. */
export function bodyArbitrary(schema: unknown): fc.Arbitrary<RawBody> {
  const json = (v: unknown, label: string): RawBody => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json', label });
  return fc.oneof(
    { weight: 5, arbitrary: plausible(schema as JsonSchema).map((v) => json(v, 'schema-guided')) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => json(v, 'random json')) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((p) => ({ payload: p, contentType: 'application/json', label: 'malformed json' })) },
    { weight: 1, arbitrary: fc.constantFrom(deep(5000, '[', ']'), deep(100_000, '[', ']'), '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)).map((p) => ({ payload: p, contentType: 'application/json', label: 'deeply nested json' })) },
    { weight: 1, arbitrary: fc.constant({ payload: OVERSIZE, contentType: 'application/json', label: 'oversize json' }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'image/png', 'application/octet-stream', '*/*', 'application/json\r\nx: y'.replace(/[\r\n]/g, ' ')), hostileString)
        .map(([contentType, s]) => ({ payload: s, contentType, label: `other content type ${contentType}` })),
    },
    { weight: 1, arbitrary: fc.constant({ label: 'no body' }) },
  );
}

/**
 * Percent-encodes a string; lone surrogates (which encodeURIComponent refuses) become the raw,
 * invalid UTF-8 bytes of a surrogate, which is what a hostile client puts on the wire.
 */
export function encodePart(s: string): string {
  try { return encodeURIComponent(s); } catch { return `${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))}%ED%A0%80`; }
}

/** A query string from the route's querystring schema properties plus unknown and duplicated keys. */
export function queryArbitrary(schema: unknown): fc.Arbitrary<string> {
  const s = schema as JsonSchema | undefined;
  const keys = Object.keys(s?.properties ?? {});
  const key = keys.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'a[b]', 'page[]', 'x') }) : fc.constantFrom('q', '__proto__', 'a[b]', 'page');
  const value = fc.oneof(plausible(undefined), ...(keys.length ? [fc.constantFrom(...keys).chain((k) => plausible(s!.properties![k]))] : [])).map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 5 }).map((kv) => kv.map(([k, v]) => `${encodePart(k)}=${encodePart(v)}`).join('&')) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', 'a=%ZZ', '&&&=&=', 'page=1&page=2&page=x', 'pageSize=100000000', 'page=-1', `q=${'x'.repeat(5000)}`) },
  );
}

/** A path segment for a `:param`. */
export const paramArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('340621-WJW-XZQR-001', 'GY-WJW-20261127-000001', 'SB2026112700000001', '1', '0', 'me') },
  { weight: 4, arbitrary: hostileString.map((s) => encodePart(s.slice(0, 2000))) },
  { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%00', '%ZZ', '%') },
);

/** Extra headers a hostile client sends (values limited to what HTTP can carry; CR/LF is tested on a raw socket). */
export const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom('idempotency-key', 'x-request-id', 'x-correlation-id', 'x-on-behalf-of', 'accept', 'accept-language', 'if-none-match', 'range', 'x-forwarded-for', 'origin', 'cookie', 'content-encoding', 'transfer-encoding-x', 'x-http-method-override'),
  fc.oneof(
    hostileString.map((s) => Buffer.from(s.slice(0, 8000), 'utf8').toString('latin1').replace(/[\r\n\u0000]/g, ' ')),
    fc.constantFrom('gzip', 'br', 'deflate', 'bytes=0-999999999999', 'bytes=-1', '*/*', 'application/problem+json', 'DELETE', '0'),
  ),
  { maxKeys: 3 },
);

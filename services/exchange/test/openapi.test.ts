/**
 * The OpenAPI document: generated from the route schemas, valid OpenAPI 3, listing every /v1 route
 * of the running app with the scope it needs, and browsable under /v1/docs.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { SCOPES } from '../src/scopes.js';
import { startExchange, type Harness } from './helpers.js';

let h: Harness;
let doc: any;
beforeAll(async () => {
  h = await startExchange();
  const r = await h.exchange.app.inject({ method: 'GET', url: '/v1/docs/json' });
  expect(r.statusCode).toBe(200);
  doc = r.json();
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

/** Every route the app serves, from fastify's own route tree (printRoutes): [method, OpenAPI path]. */
function appRoutes(): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of h.exchange.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│   |    )*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    stack.length = depth + 1;
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.push([method.toLowerCase(), full.replace(/:(\w+)/g, '{$1}')]);
  }
  return out;
}

describe('exchange OpenAPI', () => {
  it('should be a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('should list every versioned route the app serves, and nothing else', () => {
    const served = appRoutes().filter(([, p]) => p.startsWith('/v1/') && !p.startsWith('/v1/docs')).map(([m, p]) => `${m} ${p}`).sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    expect(served.length).toBeGreaterThanOrEqual(8);
    expect(documented).toEqual(served);
    expect(documented.every((d) => d.split(' ')[1]!.startsWith('/v1/'))).toBe(true);
  });

  it('should name the scope of every client operation and declare all scopes', () => {
    expect(Object.keys(doc.components.securitySchemes.clientCredentials.flows.clientCredentials.scopes).sort()).toEqual(Object.keys(SCOPES).sort());
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(ops)) {
        if (p === '/v1/audit/calls') expect(op.security).toEqual([{ staffToken: [] }]);
        // Public keys for offline certificate verification: deliberately without a token.
        else if (p === '/v1/certificate-keys') expect(op.security).toEqual([]);
        else expect(Object.keys(SCOPES)).toContain(op.security[0].clientCredentials[0]);
        expect(op.responses['200']).toBeDefined();
      }
    }
  });

  it('should serve the browsable UI', async () => {
    const r = await h.exchange.app.inject({ method: 'GET', url: '/v1/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
  });
});

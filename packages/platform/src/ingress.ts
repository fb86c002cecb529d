/**
 * A zone's ingress for the local platform: one origin per zone, as a deployment's ingress gives.
 * `/auth/*` goes to the zone's identity realm, everything else to the zone's front service
 * (declaration with the portal in the internet zone, approval with the console in the extranet),
 * so the web UIs need no cross-origin calls. The console's origin also carries `/certificate/*`
 * (证照管理), `/catalog/*` (证照定义: issuers and certificate types) and `/exchange/*` (the
 * data-exchange API), as a deployment's extranet ingress does.
 *
 * What the ingress adds on the way (issue 20):
 * - `X-Forwarded-For` is the address the ingress itself saw (a client's own header is replaced,
 *   not appended to: the ingress is the zone's edge), so the services, which trust forwarded
 *   addresses from the loopback ingress only (TRUST_PROXY), limit each citizen by their own address
 *   rather than the whole zone by the ingress's;
 * - `Expect: 100-continue` is answered here (Node's server sends the 100) and not forwarded;
 * - the services' own answers pass through; an upload over a service's limit is answered 413
 *   problem+json (the service's own 413 when it arrives, else the ingress's when the service cut
 *   the upload off); anything else that goes wrong between the ingress and a service is a
 *   problem+json 502/503/504 with a stable code, never the proxy's internal message.
 */
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import httpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';

const PROBLEM_BASE = 'https://hall.gov.cn/problems/';

function problem(reply: FastifyReply, status: number, code: string, title: string): void {
  if (reply.sent) return;
  reply.code(status).type('application/problem+json').send({ type: `${PROBLEM_BASE}${code}`, title, status, code, instance: reply.request.url.split('?')[0] });
}

/** The upstream request's headers: forwarded address set from the socket, Expect dropped. */
function forwardHeaders(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  delete out.expect;
  out['x-forwarded-for'] = request.socket.remoteAddress ?? '';
  out['x-forwarded-proto'] = 'http';
  if (headers.host) out['x-forwarded-host'] = headers.host;
  return out;
}

const hasBody = (request: FastifyRequest): boolean => Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;

/** Failures between the ingress and a service, by what the client may make of them. */
function onProxyError(reply: FastifyReply, { error }: { error: Error & { statusCode?: number; code?: string } }): void {
  const cause = (error as { cause?: { code?: string } }).cause;
  reply.request.log.warn({ code: error.code, cause: cause?.code, message: error.message }, 'ingress: upstream call failed');
  // The service closed the connection while the body was still being sent: it refused the body
  // (a service answers an upload over its limit with 413 and closes, and the answer is lost in
  // the broken pipe), so the client gets that 413 as problem+json, not "write EPIPE".
  if ((cause?.code === 'EPIPE' || cause?.code === 'ECONNRESET') && hasBody(reply.request)) {
    return problem(reply, 413, 'payload_too_large', '请求体过大');
  }
  if (error.statusCode === 504 || error.code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT') return problem(reply, 504, 'upstream_timeout', '服务响应超时，请稍后再试');
  if (error.statusCode === 503) return problem(reply, 503, 'upstream_unavailable', '服务暂不可用，请稍后再试');
  problem(reply, 502, 'bad_gateway', '服务暂不可用，请稍后再试');
}

export async function startIngress(opts: { identityUrl: string; frontUrl: string; extra?: { prefix: string; url: string }[]; port?: number }): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  // Node's own HTTP client rather than undici, which refuses any request carrying Expect.
  const proxied = (upstream: string, prefix: string, rewritePrefix: string): FastifyHttpProxyOptions => ({
    upstream, prefix, rewritePrefix, http: {},
    replyOptions: { rewriteRequestHeaders: forwardHeaders, onError: onProxyError } as unknown as FastifyHttpProxyOptions['replyOptions'],
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return problem(reply, 413, 'payload_too_large', '请求体过大');
    if (status >= 400 && status < 500) return problem(reply, status, 'bad_request', '请求格式不正确');
    return problem(reply, 502, 'bad_gateway', '服务暂不可用，请稍后再试');
  });
  await app.register(httpProxy, proxied(opts.identityUrl, '/auth', ''));
  // Further services on the same origin, prefix stripped (deploy/model.ts zoneIngress: exchange, certificate).
  for (const e of opts.extra ?? []) await app.register(httpProxy, proxied(e.url, e.prefix, ''));
  await app.register(httpProxy, proxied(opts.frontUrl, '/', '/'));
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

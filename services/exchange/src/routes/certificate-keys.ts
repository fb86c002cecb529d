/**
 * The e-certificate public keys for verifiers (JWK-like set, retired keys included), published by
 * the data-exchange service without a token: a department's system or anyone holding a certificate
 * file checks signatures offline with them (packages/ecert/src/verify-offline.ts).
 */
import { Problems, ProblemSchema, Type, type HttpPlugin } from '@hall/http';
import type { Upstream } from '../upstream.js';

const Key = Type.Object({
  kid: Type.String(), kty: Type.String(), crv: Type.String(), x: Type.String(), y: Type.Optional(Type.String()), alg: Type.String(), use: Type.String(),
  department: Type.String(), active: Type.Boolean(), createdAt: Type.String(), retiredAt: Type.Optional(Type.String()),
});

export const certificateKeys: HttpPlugin<{ certificate: Upstream }> = async (app, opts) => {
  app.get('/v1/certificate-keys', {
    schema: {
      summary: '电子证照签名公钥', description: '各发证部门的签名公钥（JWK 格式，含已轮换停用的密钥），供离线核验证照签名；无需令牌。', tags: ['电子证照'], security: [],
      response: { 200: Type.Object({ keys: Type.Array(Key) }), 503: ProblemSchema },
    },
  }, async (req, reply) => {
    const a = await opts.certificate.get<{ keys: (typeof Key.static)[] }>('/v1/keys', { requestId: req.id });
    if (a.status !== 200) throw Problems.unavailable('upstream_unavailable', '依赖的业务系统暂不可用，请稍后再试', `certificate 返回 ${a.status}`, { extra: { upstream: 'certificate' } });
    reply.header('cache-control', 'public, max-age=300');
    return { keys: a.body.keys };
  });
};

/**
 * On whose behalf a request acts. An applicant acts for themselves; with the header
 * `X-On-Behalf-Of: <party id>` a handler (经办人) acts for a legal person, the legal representative
 * for their company, and a service-point agent (代办员) for a citizen who consented. Whether the
 * caller may do so is asked of the zone's identity service on every such request, with the caller's
 * own token — so a revoked handler or a withdrawn consent is refused from the next request on.
 */
import type { FastifyRequest } from 'fastify';
import { Problems } from '@hall/http';

export const ON_BEHALF_HEADER = 'x-on-behalf-of';

export interface Acting {
  /** Whose applications and materials these are: the caller, or the party they represent. */
  ownerId: string;
  ownerName: string;
  actorId: string;
  actorName: string;
  relation: 'self' | 'legal_representative' | 'handler' | 'agent';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createActingResolver(opts: { identityUrl?: string; timeoutMs?: number; fetch?: typeof fetch }) {
  const doFetch = opts.fetch ?? fetch;
  return async function acting(req: FastifyRequest): Promise<Acting> {
    const p = req.principal;
    const header = req.headers[ON_BEHALF_HEADER];
    if (header === undefined) return { ownerId: p.sub, ownerName: p.name, actorId: p.sub, actorName: p.name, relation: 'self' };
    if (typeof header !== 'string' || !UUID.test(header)) throw Problems.badRequest('on_behalf_of_invalid', '代办对象标识格式不正确');
    if (header === p.sub) return { ownerId: p.sub, ownerName: p.name, actorId: p.sub, actorName: p.name, relation: 'self' };
    const refused = () => Problems.forbidden('not_represented', '您无权代表该主体办理');
    if (!opts.identityUrl) throw refused();
    let res: Response;
    try {
      res = await doFetch(`${opts.identityUrl}/v1/representations/${header}`, {
        headers: { authorization: req.headers.authorization ?? '', accept: 'application/json' },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
    } catch (err) {
      req.log.error({ err: (err as Error).message }, 'representation check failed');
      throw Problems.unavailable('identity_unavailable', '身份认证服务暂不可用，请稍后再试');
    }
    if (res.status === 200) {
      const r = await res.json() as { partyId: string; partyName: string; relation: Acting['relation'] };
      if (r.partyId !== header) throw refused();
      req.log.info({ actorId: p.sub, ownerId: r.partyId, relation: r.relation }, 'acting on behalf of');
      return { ownerId: r.partyId, ownerName: r.partyName, actorId: p.sub, actorName: p.name, relation: r.relation };
    }
    if (res.status >= 500) throw Problems.unavailable('identity_unavailable', '身份认证服务暂不可用，请稍后再试');
    throw refused();
  };
}

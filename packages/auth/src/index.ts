/**
 * @hall/auth: asymmetric access tokens per zone. The identity service signs (createTokenSigner);
 * every other service verifies (authPlugin) with public keys only and guards routes with
 * requireRealm / requireRole / requirePosition.
 */
export { generateSigningKey, jwkThumbprint, SIGNING_ALGS, type SigningAlg, type SigningKey } from './keys.js';
export { createTokenSigner, type TokenSigner, type TokenSignerOptions } from './signer.js';
export { PrincipalSchema, RealmSchema, exchangeAudience, type Principal, type Realm } from './principal.js';
export {
  authPlugin, requireRealm, requireRole, requirePosition, requireScope, UNAUTHENTICATED_TITLE, FORBIDDEN_TITLE,
  type AuthOptions, type AuthHandler,
} from './plugin.js';
export { createJwksKeySource, keysFromJwks, JwksUnavailableError, type KeySource, type JwksKeySourceOptions, type VerificationKey } from './jwks.js';
export {
  REGION_LEVELS, type RegionLevel, regionLevelOf, regionCovers, requireDepartment, requireRegion, canActInDepartment, canActInRegion,
} from './scope.js';

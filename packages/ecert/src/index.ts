/**
 * E-certificate primitives for both zones: GB/T 36904 identifiers with their MOD 37,36 check
 * character, the pluggable signature algorithms (SM2 with SM3, Ed25519) with JWK-like public keys,
 * and the offline verification of a certificate file. The certificate service signs with them; the
 * portal and any third party verify with them.
 */
export * from './identifier.js';
export * from './signature.js';
export * from './verify-offline.js';
export * from './certificate-types.js';

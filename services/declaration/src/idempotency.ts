/** Idempotency-Key support shared by the submission and supplement routes (IETF draft semantics). */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { canonicalJson } from '@hall/contracts';

/** The Idempotency-Key's body fingerprint: equal content, equal hash, whatever the key order. */
export const canonicalHash = (v: unknown): string => createHash('sha256').update(canonicalJson(v)).digest('hex');

export const IdempotencyKey = Type.String({ minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

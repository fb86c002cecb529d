/**
 * The envelope every message carries across a process boundary: type, version, id, correlation
 * id (application or case id), zone of origin and timestamp, plus references to attachments
 * that live in the origin zone's object store (the relay copies them and checks their SHA-256).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Zone = Type.Union([Type.Literal('internet'), Type.Literal('extranet')]);
export type Zone = Static<typeof Zone>;

export const AttachmentRef = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9][A-Za-z0-9/._-]*$' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0, maximum: 50 * 1024 * 1024 }),
    contentType: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type AttachmentRef = Static<typeof AttachmentRef>;

export const Uuid = Type.String({ format: 'uuid', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });

export function Envelope<T extends string, P extends TSchema>(type: T, version: number, payload: P) {
  return Type.Object(
    {
      id: Uuid,
      type: Type.Literal(type),
      version: Type.Literal(version),
      correlationId: Type.String({ minLength: 1, maxLength: 128 }),
      zone: Zone,
      occurredAt: Type.String({ format: 'date-time' }),
      attachments: Type.Optional(Type.Array(AttachmentRef, { maxItems: 50 })),
      payload,
    },
    { additionalProperties: false, $id: `${type}.v${version}` },
  );
}

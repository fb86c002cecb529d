/** Variables every service reads; a service adds its own with `extendConfig`. */
import { Type, Vars } from '@hall/config';
import type { TObject, TProperties } from '@sinclair/typebox';

export const CommonConfig = Type.Object({
  ZONE: Vars.zone(),
  HOST: Vars.host(),
  PORT: Vars.port(0),
  LOG_LEVEL: Vars.logLevel(),
  DATABASE_URL: Vars.url(),
  DATABASE_POOL_MAX: Vars.int(10, 1),
  NATS_URL: Vars.url(),
  NATS_USER: Type.String({ minLength: 1 }),
  NATS_PASS: Vars.secret(),
  /** How long the outbox publisher waits for JetStream's ack of one message before it counts the attempt as failed and backs off (JetStream's own default). */
  OUTBOX_PUBLISH_TIMEOUT_MS: Vars.int(5000, 100),
  /** JSON file with the zone's public verification keys: [{ "kid": "...", "pem": "..." }] */
  AUTH_PUBLIC_KEYS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** The zone identity's JWKS (https://…/.well-known/jwks.json): keys fetched, cached, refreshed on rotation. Wins over the file. */
  AUTH_JWKS_URL: Type.Optional(Vars.url()),
  AUTH_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * Proxies whose X-Forwarded-For is believed, comma-separated addresses or CIDRs ('loopback' for
   * 127.0.0.0/8 and ::1, the local platform's ingress); empty = the socket's address is the client's.
   * Set it to the zone ingress's addresses only: whoever else is trusted can choose the address that
   * login limits count.
   */
  TRUST_PROXY: Type.String({ default: 'loopback', pattern: '^[0-9A-Za-z.:/,_-]*$' }),
  /** Seed demo data (idempotent) at start. */
  SEED_DEMO: Vars.bool(false),
});

export const S3Config = Type.Object({
  S3_ENDPOINT: Vars.url(),
  S3_ACCESS_KEY: Type.String({ minLength: 1 }),
  S3_SECRET_KEY: Vars.secret(),
  S3_BUCKET: Type.String({ minLength: 3, default: 'hall-materials' }),
});

export function extendConfig<P extends TProperties>(extra: P) {
  return Type.Composite([CommonConfig, Type.Object(extra)]);
}

export function extendConfigWithS3<P extends TProperties>(extra: P) {
  return Type.Composite([CommonConfig, S3Config, Type.Object(extra)]);
}

export type AnyConfigSchema = TObject;

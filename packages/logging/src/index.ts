/**
 * Logging: pino JSON lines. The level comes from LOG_LEVEL (never from NODE_ENV), secrets are
 * redacted by path, and anything shaped like a PRC resident ID number (居民身份证号) is masked
 * wherever it appears in a string, because personal ID numbers must never reach a log file.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** 18-character resident ID: 17 digits + digit or X. */
const ID_NUMBER = /\b(\d{6})(\d{8})(\d{3}[\dXx])\b/g;

export function maskIdNumbers(text: string): string {
  return text.replace(ID_NUMBER, (_m, region: string) => `${region}********${'****'}`);
}

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6) return value;
  if (typeof value === 'string') return maskIdNumbers(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  // Only plain objects: fastify's request/response and errors go through pino's own serializers.
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
    return out;
  }
  return value;
}

export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'idNumber', '*.idNumber', '*.*.idNumber', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
  'privateKey', '*.privateKey', 'clientSecret', '*.clientSecret',
];

export interface LoggerConfig {
  service: string;
  zone?: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read the lines back. */
  destination?: pino.DestinationStream;
}

export function createLogger(cfg: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: cfg.level ?? 'info',
    base: { service: cfg.service, ...(cfg.zone ? { zone: cfg.zone } : {}) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? maskIdNumbers(a) : a)) as Parameters<typeof method>;
        return method.apply(this, scrubbed);
      },
    },
  };
  return cfg.destination ? pino(options, cfg.destination) : pino(options);
}

/** A child logger carrying the correlation id (case or application id) of the work at hand. */
export function withCorrelation(logger: Logger, correlationId: string | undefined, extra: Record<string, unknown> = {}): Logger {
  return logger.child({ ...(correlationId ? { correlationId } : {}), ...extra });
}

/**
 * Request loggers created on first use. fastify makes a child logger for every request; with the
 * hall logger (redaction paths, bindings serialized at creation) that is a measurable share of a
 * small route's CPU, and at `warn` most requests never log a line. The child is made when a line at
 * an enabled level is written or when anything else on it is touched (child(), bindings(), level…).
 */
import type { FastifyBaseLogger } from 'fastify';

type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, opts: ChildLoggerOptions = {}): FastifyBaseLogger {
  // A route with its own level or serializers gets its child at once, exactly as before.
  if (opts.level !== undefined || opts.serializers !== undefined) return parent.child(bindings, opts);
  let real: FastifyBaseLogger | undefined;
  const materialize = (): FastifyBaseLogger => (real ??= parent.child(bindings, opts));
  const own: Record<string | symbol, unknown> = {
    silent: () => undefined,
    child: (b: Record<string, unknown>, o?: ChildLoggerOptions) => materialize().child(b, o),
  };
  for (const level of LEVELS) {
    own[level] = (...args: unknown[]) => {
      // Until made, the child has its parent's level (no level of its own was asked for).
      if (!real && !(parent as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level)) return;
      (materialize()[level] as (...a: unknown[]) => void)(...args);
    };
  }
  return new Proxy(own, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(target, prop)) return target[prop];
      const r = materialize();
      const value = Reflect.get(r, prop, r) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(r) : value;
    },
    set(_target, prop, value) { return Reflect.set(materialize(), prop, value); },
    has(target, prop) { return prop in target || prop in materialize(); },
  }) as unknown as FastifyBaseLogger;
}

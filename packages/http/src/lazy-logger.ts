/**
 * Request loggers created on first use. fastify makes a child logger for every request; with the
 * hall logger (redaction paths, bindings serialized at creation) that is a measurable share of a
 * small route's CPU, and at `warn` most requests never log a line. The child is made when a line at
 * an enabled level is written or when anything else on it is touched (child(), bindings(), level…).
 *
 * One small object per request: the level methods live on the class prototype, and everything
 * else falls through to one shared Proxy at the end of the prototype chain, which makes the real
 * child for the instance that was asked (the `receiver`). No Proxy or closures per request.
 */
import type { FastifyBaseLogger } from 'fastify';

type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type Parent = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

// Symbols, so that the logger's own names (pino's bindings(), …) still reach the real child.
const REAL = Symbol('real');
const PARENT = Symbol('parent');
const BINDINGS = Symbol('bindings');
const OPTS = Symbol('opts');

interface Lazy {
  [PARENT]: Parent;
  [BINDINGS]: Record<string, unknown>;
  [OPTS]: ChildLoggerOptions;
  [REAL]: FastifyBaseLogger | undefined;
}

function materialize(l: Lazy): FastifyBaseLogger {
  return (l[REAL] ??= l[PARENT].child(l[BINDINGS], l[OPTS]));
}

/** Anything not defined on LazyLogger.prototype: made real, then read, written or tested there. */
const fallThrough = new Proxy(Object.create(null) as object, {
  get(_target, prop, receiver: Lazy) {
    const real = materialize(receiver);
    const value = Reflect.get(real, prop, real) as unknown;
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
  },
  set(_target, prop, value, receiver: Lazy) { return Reflect.set(materialize(receiver), prop, value); },
});

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

class LazyLogger implements Lazy {
  [REAL]: FastifyBaseLogger | undefined = undefined;
  [PARENT]: Parent;
  [BINDINGS]: Record<string, unknown>;
  [OPTS]: ChildLoggerOptions;
  constructor(parent: Parent, bindings: Record<string, unknown>, opts: ChildLoggerOptions) {
    this[PARENT] = parent;
    this[BINDINGS] = bindings;
    this[OPTS] = opts;
  }
  silent(): void {}
  child(b: Record<string, unknown>, o?: ChildLoggerOptions): FastifyBaseLogger { return materialize(this).child(b, o); }
  get level(): string { return materialize(this).level; }
  set level(v: string) { materialize(this).level = v; }
}
Object.setPrototypeOf(LazyLogger.prototype, fallThrough);
for (const level of LEVELS) {
  Object.defineProperty(LazyLogger.prototype, level, {
    value(this: LazyLogger, ...args: unknown[]) {
      // Until made, the child has its parent's level (no level of its own was asked for).
      const real = this[REAL];
      if (!real && !this[PARENT].isLevelEnabled(level)) return;
      ((real ?? materialize(this))[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, opts: ChildLoggerOptions = {}): FastifyBaseLogger {
  // A route with its own level or serializers gets its child at once, exactly as before.
  if (opts.level !== undefined || opts.serializers !== undefined) return parent.child(bindings, opts);
  return new LazyLogger(parent as Parent, bindings, opts) as unknown as FastifyBaseLogger;
}

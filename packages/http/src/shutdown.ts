/**
 * Graceful shutdown for a service's server.ts: on SIGINT/SIGTERM stop taking requests, let the
 * in-flight ones finish (app.close), then release the rest (NATS drain, Prisma disconnect).
 * An uncaught error takes the same path but exits 1, so the orchestrator sees a crash.
 */
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@hall/logging';

export interface GracefulShutdownOptions {
  logger: Logger;
  /** Runs after the HTTP server has closed, for resources the app's onClose hooks do not own. */
  onClose?: () => Promise<void>;
  /** Give up and exit 1 after this long; default 10 s, inside Kubernetes' 30 s grace period. */
  delayMs?: number;
}

export function registerGracefulShutdown(app: FastifyInstance, opts: GracefulShutdownOptions): void {
  const listeners = closeWithGrace({ delay: opts.delayMs ?? 10_000, logger: opts.logger }, async ({ signal, err }) => {
    if (err) opts.logger.error({ err }, 'fatal error, shutting down');
    else opts.logger.info({ signal }, 'shutting down');
    await app.close();
    if (opts.onClose) await opts.onClose();
    opts.logger.info('shutdown complete');
  });
  // An app closed some other way (tests, a supervisor) must not leave process listeners behind.
  app.addHook('onClose', async () => listeners.uninstall());
}

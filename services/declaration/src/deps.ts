/** What the portal's route modules share: the app, the service context, who acts, and the replica. */
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { HttpApp } from '@hall/http';
import type { ServiceContext } from '@hall/service';
import type { NotificationDispatcher } from '@hall/notify';
import type { Db } from './db.js';
import type { Acting } from './acting.js';
import type { replicaRepository } from './repository.js';

export interface PortalDeps {
  app: HttpApp;
  ctx: ServiceContext<{ UPLOAD_MAX_BYTES: number; APPOINTMENT_SLOT_CAPACITY: number; APPOINTMENT_DAYS: number }, Db>;
  /** Logged-in applicant of the public realm. */
  applicant: preHandlerHookHandler[];
  acting: (req: FastifyRequest) => Promise<Acting>;
  replica: ReturnType<typeof replicaRepository>;
  notifications: NotificationDispatcher;
}

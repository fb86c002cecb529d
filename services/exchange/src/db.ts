// This service's Prisma client over the pg driver adapter (Prisma 7: no native query engine).
import { createPrismaClient } from '@hall/db';
import { PrismaClient } from './generated/prisma/client.js';

export type Db = PrismaClient;
export const createPrisma = (url: string, max: number): Db => createPrismaClient(PrismaClient, url, { max });

// Prisma CLI config. `prisma generate` needs no database; migrations are applied by @hall/db's runner.
import { defineConfig } from 'prisma/config';
export default defineConfig({ schema: 'prisma/schema.prisma', migrations: { path: 'prisma/migrations' } });

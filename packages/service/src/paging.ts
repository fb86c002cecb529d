/** Pagination shared by every list endpoint: `?page=1&pageSize=20`, answered with the total. */
import { Type, type TSchema } from '@sinclair/typebox';

export const PageQuery = {
  // Bounded: skip = (page − 1) × pageSize must stay a small integer for Postgres (page=4.6e17 was a 500, found by the bad-input suite).
  page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
};

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });
}

export function pageWindow(q: { page: number; pageSize: number }): { skip: number; take: number } {
  return { skip: (q.page - 1) * q.pageSize, take: q.pageSize };
}

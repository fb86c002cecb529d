/**
 * Idempotent inbox: JetStream delivers at least once, so a consumer records the ids it handled
 * in the same transaction as its own writes. A redelivered (or concurrently delivered) message
 * then finds its row and is skipped, and a handler that fails leaves no row behind.
 */
import type { SqlExecutor, TxRunner } from './sql.js';

/**
 * Runs `fn` once per (consumer, messageId): returns true if it ran (and committed together with
 * the inbox row), false if the message had already been handled. A concurrent duplicate waits on
 * the first transaction's row lock and then sees the row.
 */
export async function handleOnce<Tx extends SqlExecutor>(
  db: TxRunner<Tx>,
  consumer: string,
  messageId: string,
  fn: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.$transaction(async (tx: Tx) => {
    const inserted = await tx.$executeRawUnsafe(
      'INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT (consumer, message_id) DO NOTHING',
      consumer,
      messageId,
    );
    if (inserted === 0) return false;
    await fn(tx);
    return true;
  });
}

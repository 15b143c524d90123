// Group commit for small transactions (issue 15, decision 0008 addendum): many callers each ask for
// their own TransactWriteItems; while a transaction is in flight, the ones that arrive meanwhile
// are queued and sent together as one transaction (up to 100 items), so under load the store sees
// one request for many callers, and an idle process sends each at once (no added wait).
//
// Each caller's items keep their meaning: they commit together or not at all (a shared transaction
// is all or nothing, so a caller never sees half of its own items written). When a shared
// transaction is cancelled (any caller's condition failed, or it conflicted with another write),
// nothing of it was written and every caller's items are sent again on their own, so each caller
// gets exactly the outcome (commit, or the cancellation with its own reasons) it would have had
// alone; so are they when the shared transaction is refused as invalid (a transaction carries at
// most 4 MB, and incident items grow large in a storm). Other failures (throttled, timed out,
// store unavailable) are every caller's failure, as they would have been alone. A transaction may not touch one item twice: a caller whose items
// share a key with the batch being filled waits for the next one.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isTransactionConflict, type TransactItem } from './client';

/** Items in one TransactWriteItems request (DynamoDB's limit). */
export const TRANSACTION_MAX_ITEMS = 100;

export interface TransactionBatcherOptions {
  /** Items per shared transaction (at most TRANSACTION_MAX_ITEMS). */
  maxItems?: number;
  /** Shared transactions in flight at once; callers beyond them queue and are sent together. */
  maxInFlight?: number;
  /** Sends one transaction (tests pass their own). */
  send?: (items: TransactItem[]) => Promise<unknown>;
}

/** `(items) => Promise<void>`: commits `items` as one transaction, possibly together with other callers' items. */
export type TransactFn = (items: TransactItem[]) => Promise<void>;

interface Entry {
  items: TransactItem[];
  keys: string[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The item a transaction item touches: table and key (a transaction may touch each at most once). */
export function transactItemKey(t: TransactItem): string {
  const op = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck;
  const key = (t.Put ? t.Put.Item : (op as { Key?: Record<string, unknown> } | undefined)?.Key) ?? {};
  return `${op?.TableName ?? ''}\u0000${String(key.pk)}\u0000${String(key.sk)}`;
}

const sendTransaction = async (items: TransactItem[]) =>
  documentClient().send(new TransactWriteCommand({ TransactItems: items }));

export function transactionBatcher(opts: TransactionBatcherOptions = {}): TransactFn {
  const maxItems = Math.min(opts.maxItems ?? TRANSACTION_MAX_ITEMS, TRANSACTION_MAX_ITEMS);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
  const send = opts.send ?? sendTransaction;
  const queue: Entry[] = [];
  let inFlight = 0;
  let scheduled = false;

  /** The next batch: queued callers in arrival order that fit, none touching an item another touches. */
  const take = (): Entry[] => {
    const batch: Entry[] = [];
    const seen = new Set<string>();
    let size = 0;
    for (let i = 0; i < queue.length && size < maxItems;) {
      const e = queue[i]!;
      if (size + e.items.length > maxItems || e.keys.some((k) => seen.has(k))) {
        i++;
        continue;
      }
      for (const k of e.keys) seen.add(k);
      size += e.items.length;
      batch.push(e);
      queue.splice(i, 1);
    }
    return batch;
  };

  const alone = (e: Entry) => send(e.items).then(() => e.resolve(), e.reject);

  const run = async (batch: Entry[]): Promise<void> => {
    if (batch.length === 1) return alone(batch[0]!);
    try {
      await send(batch.flatMap((e) => e.items));
      for (const e of batch) e.resolve();
    } catch (err) {
      // Refused before anything was written: cancelled (a condition, a conflict) or invalid as a
      // whole (over the 4 MB a transaction may carry: incidents grow large in a storm).
      if (!isTransactionConflict(err) && (err as { name?: string }).name !== 'ValidationException') {
        for (const e of batch) e.reject(err);
        return;
      }
      // Nothing was written: each caller's items again, on their own, for the outcome they would have had alone.
      await Promise.all(batch.map(alone));
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && queue.length) {
      const batch = take();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (items) => {
    if (items.length === 0) return Promise.resolve();
    if (items.length > maxItems) return send(items).then(() => undefined);
    return new Promise<void>((resolve, reject) => {
      queue.push({ items, keys: items.map(transactItemKey), resolve, reject });
      // Callers that ask in the same turn of the event loop go out together.
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          pump();
        });
      }
    });
  };
}

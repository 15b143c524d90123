// The worker thread of a file run (usage-file-run.ts): splits one side's file, or reconciles one
// partition, as the main thread asks; spooled bytes come and go as transferred buffers.
import { parentPort } from 'node:worker_threads';
import { reconcileSpooled, splitSide, type ReconcileJob, type SplitJob } from './usage-file-run';

type Request = { kind: 'split'; job: SplitJob } | { kind: 'reconcile'; job: ReconcileJob };

const port = parentPort!;
port.on('message', (req: Request) => {
  void (async () => {
    try {
      if (req.kind === 'split') {
        const outcome = await splitSide(req.job, undefined, (lines, bytesRead) =>
          port.postMessage({ kind: 'progress', lines, bytesRead }),
        );
        const buffers = [...new Set(outcome.spools.flatMap((s) => s.blocks.map((b) => b.buffer as ArrayBuffer)))];
        port.postMessage({ kind: 'split', outcome }, buffers);
      } else {
        port.postMessage({ kind: 'reconciled', outcome: reconcileSpooled(req.job) });
      }
    } catch (err) {
      port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});

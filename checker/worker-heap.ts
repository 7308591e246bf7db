/**
 * The heap of the worker threads that expand states (matrix rows, exhaustive sets, explore's workers, fix
 * comparisons, searches). A step allocates a path copy of the world and its successors survive a level, so with
 * V8's default young generation (16 MB semi-spaces on 64-bit) most collections are scavenges that copy the live
 * frontier; a larger young generation collects the same garbage in fewer, cheaper scavenges. docs/performance.md
 * ("Young generation") has the measurement.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Young generation of a worker, in MB (V8 divides it into the two semi-spaces and the new large-object space:
 * 384 gives 128 MB semi-spaces). PIRQCHECK_YOUNG_MB sets another (0: V8's default), as the benchmark does to
 * compare; anything but a whole number leaves it at 384.
 */
const env = process.env['PIRQCHECK_YOUNG_MB'];
export const YOUNG_GENERATION_MB = env !== undefined && /^\d+$/.test(env) ? Number(env) : 384;

/** A worker thread with the young generation above. */
export function stateWorker(url: URL, options: WorkerOptions): Worker {
  const resourceLimits = YOUNG_GENERATION_MB > 0 ? { ...options.resourceLimits, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } : options.resourceLimits;
  return new Worker(url, { ...options, ...(resourceLimits ? { resourceLimits } : {}) });
}

/**
 * The time limit on a variant's functions. Synchronous JavaScript cannot be interrupted in its own thread, so
 * a command given a --variant-file runs in a worker thread (cli/watchdog-worker.mjs) while this thread
 * watches a SharedArrayBuffer in which every thread running overrides keeps the code of the override it is in
 * and a counter of override calls (model/overrides.ts). An override still running with no other override
 * call for FUNCTION_TIMEOUT_S seconds stops the run: the worker is terminated and the command exits 2 naming
 * the function and its variant file. PIRQCHECK_FUNCTION_TIMEOUT sets the limit in seconds (default 10).
 * This thread loads nothing of the model (bin/pirqcheck.js comes here before importing the command line):
 * the worker reports each variant file's layer with the names of its component's functions.
 */
import { stateWorker } from '../checker/worker-heap.ts';
import { decodeWatchCode } from '../model/watch-code.ts';

export const FUNCTION_TIMEOUT_S = 10;

/** Threads that may run overrides at once: the command's and the explorer's workers (--workers). */
const THREADS = 64;

/** Whether argv loads a variant file (the only way to run code that is not pirqcheck's). */
export function loadsVariantFile(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file='));
}

function timeoutSeconds(): number {
  const v = Number(process.env['PIRQCHECK_FUNCTION_TIMEOUT']);
  return Number.isFinite(v) && v > 0 ? v : FUNCTION_TIMEOUT_S;
}

/** Run `pirqcheck argv` in a watched worker thread; resolves to its exit status. */
export function runWatched(argv: readonly string[]): Promise<number> {
  const slot = new SharedArrayBuffer(4 * (2 + 2 * THREADS));
  const view = new Int32Array(slot);
  const layers = new Map<number, { file: string; component: string; variant: string; fns: string[] }>();
  const limitMs = timeoutSeconds() * 1000;
  // The command's output goes through this thread: tell it what the terminal is (progress lines, width).
  const env: Record<string, string | undefined> = { ...process.env };
  if (process.stderr.isTTY && env['PIRQCHECK_PROGRESS'] === undefined) env['PIRQCHECK_PROGRESS'] = '1';
  if (process.stdout.isTTY && env['COLUMNS'] === undefined && process.stdout.columns) env['COLUMNS'] = String(process.stdout.columns);
  const w = stateWorker(new URL('./watchdog-worker.mjs', import.meta.url), { workerData: { argv: [...argv], slot }, env });
  // Ctrl-C reaches this thread only: hand it to the command's thread (cli/progress.ts interruptible).
  const onInt = () => w.postMessage({ sigint: true });
  process.on('SIGINT', onInt);
  return new Promise<number>((resolve) => {
    let status: number | null = null;
    const seen: { code: number; count: number; since: number }[] = [];
    const timer = setInterval(() => {
      const now = performance.now();
      const threads = Math.min(Atomics.load(view, 0), THREADS);
      for (let t = 0; t < threads; t++) {
        const code = Atomics.load(view, 2 + 2 * t);
        const count = Atomics.load(view, 3 + 2 * t);
        const s = seen[t];
        if (!s || s.code !== code || s.count !== count) {
          seen[t] = { code, count, since: now };
          continue;
        }
        if (code === 0 || now - s.since < limitMs) continue;
        const { layer, fnIndex } = decodeWatchCode(code);
        const l = layers.get(layer);
        const fn = l?.fns[fnIndex] ?? 'a function';
        const where = l ? `variant file '${l.file}' (${l.component} variant '${l.variant}')` : 'a variant file';
        process.stderr.write(`pirqcheck: ${where}: ${fn} did not return within ${limitMs / 1000} s; the run is stopped\n`);
        status = 2;
        clearInterval(timer);
        void w.terminate();
        return;
      }
    }, Math.min(100, limitMs / 4));
    w.on('message', (m: { layer?: { index: number; file: string; component: string; variant: string; fns: string[] }; exit?: number }) => {
      if (m.layer) layers.set(m.layer.index, m.layer);
      if (m.exit !== undefined && status === null) status = m.exit;
    });
    w.on('error', (e) => {
      if (status === null) {
        process.stderr.write(`pirqcheck: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
        status = 3;
      }
    });
    w.on('exit', (code) => {
      clearInterval(timer);
      process.off('SIGINT', onInt);
      resolve(status ?? (code === 130 ? 130 : 3));
    });
  });
}

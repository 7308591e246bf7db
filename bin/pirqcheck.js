#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx and run the command line.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const variantFile = argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file='));
// explore expands states in the thread that runs the command: there, a worker thread's larger young generation
// (checker/worker-heap.ts) takes 0.87x of the time; this thread's is fixed when the process starts.
const explore = argv[0] === 'explore';
if ((variantFile || explore) && process.env.PIRQCHECK_WATCHDOG !== '0') {
  // The command runs in a worker thread (cli/watchdog.ts), watched when a variant file's code runs in it; this
  // thread loads only the watchdog.
  const { runWatched } = await import('../cli/watchdog.ts');
  process.exitCode = await runWatched(argv);
} else {
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(argv);
}

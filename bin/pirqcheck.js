#!/usr/bin/env node
// Entry point: load the TypeScript sources through tsx and run the command line.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
if (argv.some((a) => a === '--variant-file' || a.startsWith('--variant-file=')) && process.env.PIRQCHECK_WATCHDOG !== '0') {
  // A variant file's code runs in a watched worker thread (cli/watchdog.ts); this thread loads only the watchdog.
  const { runWatched } = await import('../cli/watchdog.ts');
  process.exitCode = await runWatched(argv);
} else {
  const { main } = await import('../cli/main.ts');
  process.exitCode = await main(argv);
}

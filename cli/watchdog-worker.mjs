// The watched thread of a command given a --variant-file (cli/watchdog.ts): registers the tsx loader in this
// thread, reports the variant files' function layers to the watching thread, runs the command and posts its
// exit status.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { watchOverrides, onLayer } = await import('../model/overrides.ts');
const { TABLES } = await import('../model/functions.ts');
watchOverrides(workerData.slot);
// Ctrl-C, forwarded by the watching thread: to the command's own handler (cli/progress.ts), or the default.
parentPort.on('message', (m) => {
  if (!m || !m.sigint) return;
  if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT');
  else process.exit(130);
});
parentPort.unref();
onLayer((l) => parentPort.postMessage({ layer: { index: l.index, file: l.file, component: l.component, variant: l.variant, fns: Object.keys(TABLES[l.component]) } }));
(await import('../api/load.ts')).typecheckInThisThread();
const { main } = await import('./main.ts');
const code = await main(workerData.argv);
parentPort.postMessage({ exit: code });

// Loaded with `node --import` by cli/ux.test.ts: the first SIGINT listener holds the main thread for 300 ms,
// as a loaded machine deschedules it, so that the search worker's progress messages queue up behind Ctrl-C.
process.on('SIGINT', () => {
  const t = Date.now();
  while (Date.now() - t < 300);
});

// Entry point of a search worker thread: registers the tsx loader in this thread, then loads the
// TypeScript worker (a worker does not inherit the loader).
import { register } from 'tsx/esm/api';

register();
await import('./search-worker.ts');

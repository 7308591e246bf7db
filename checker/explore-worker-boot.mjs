// Entry point of an explorer worker thread: registers the tsx loader in this thread, then loads the
// TypeScript worker (the project runs TypeScript through tsx, and a worker does not inherit the loader).
import { register } from 'tsx/esm/api';

register();
await import('./explore-worker.ts');

// Entry point of an exhaustive-side worker thread of the matrix: registers the tsx loader in this thread, then
// loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./exhaustive-worker.ts');

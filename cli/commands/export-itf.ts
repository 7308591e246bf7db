import type { Command } from 'commander';
import { loadTraceFile, TraceError } from '../../checker/trace.ts';
import { traceToItf } from '../../checker/trace-itf.ts';
import { UsageError } from '../options.ts';

export function register(program: Command): void {
  program
    .command('export-itf')
    .argument('<file>', 'a pirqcheck trace')
    .description('print the trace as an Apalache ITF trace (JSON) on stdout; exit 2 on a bad file')
    .action((file: string) => {
      let doc: Record<string, unknown>;
      try {
        doc = traceToItf(loadTraceFile(file));
      } catch (e) {
        if (e instanceof TraceError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    });
}

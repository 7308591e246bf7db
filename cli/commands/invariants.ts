import type { Command } from 'commander';
import { fitLines, outputWidth } from '../table.ts';
import pc from 'picocolors';
import { INVARIANTS } from '../../model/invariants.ts';

export function register(program: Command): void {
  program
    .command('invariants')
    .description('list every invariant with its one-sentence claim and reference item')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      if (o.json) {
        process.stdout.write(JSON.stringify(INVARIANTS.map((i) => ({ name: i.name, doc: i.doc, ref: i.ref })), null, 2) + '\n');
        return;
      }
      const out = INVARIANTS.flatMap((i) => [`${pc.cyan(i.name)}  (ref ${i.ref})`, `  ${i.doc}`]);
      out.push('', 'Each invariant, and what its "ref" item is, in docs/invariants.md.');
      process.stdout.write(fitLines(out, outputWidth()).join('\n') + '\n');
    });
}

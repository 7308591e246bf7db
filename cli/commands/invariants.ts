import type { Command } from 'commander';
import { fitLines, outputWidth } from '../table.ts';
import pc from 'picocolors';
import { INVARIANTS } from '../../model/invariants.ts';

export function register(program: Command): void {
  program
    .command('invariants')
    .description('list every invariant with its kind (failure or hazard), why it is that kind, its one-sentence claim and reference item')
    .option('--json', 'print JSON: name, kind ("failure" or "hazard"), why, doc, ref, and for a hazard leadsTo')
    .action((o: { json?: boolean }) => {
      if (o.json) {
        process.stdout.write(
          JSON.stringify(INVARIANTS.map((i) => ({ name: i.name, kind: i.kind, why: i.why, doc: i.doc, ref: i.ref, ...(i.leadsTo ? { leadsTo: i.leadsTo } : {}) })), null, 2) + '\n',
        );
        return;
      }
      const paint = (k: string) => (k === 'failure' ? pc.red(k) : pc.yellow(k));
      const out = INVARIANTS.flatMap((i) => [
        `${pc.cyan(i.name)}  ${paint(i.kind)}  (ref ${i.ref})`,
        `  ${i.doc}`,
        `  why ${i.kind}: ${i.why}`,
        ...(i.leadsTo ? [`  leads to: ${i.leadsTo}`] : []),
      ]);
      const n = (k: string) => INVARIANTS.filter((i) => i.kind === k).length;
      out.push('', `${INVARIANTS.length} invariants: ${n('failure')} failures (a user or operator sees them), ${n('hazard')} hazards (components disagree; nothing observes it yet).`);
      out.push('Each invariant, and what its "ref" item is, in docs/invariants.md.');
      process.stdout.write(fitLines(out, outputWidth()).join('\n') + '\n');
    });
}

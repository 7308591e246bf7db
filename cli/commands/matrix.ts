import type { Command } from 'commander';
import pc from 'picocolors';
import { runMatrix, matrixJson } from '../../checker/matrix.ts';
import { parseNat, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';

export function register(program: Command): void {
  program
    .command('matrix')
    .description('every historical configuration against every invariant; exit 0 when it ran to completion')
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseNat('--seed'))
    .option('--runs <n>', `random runs per configuration (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--json', 'print { rows: [...] } as JSON')
    .action((o: { seed?: number; runs?: number; json?: boolean }) => {
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? DEFAULT_RUNS;
      const rows = runMatrix({ seed, runs });
      if (o.json) {
        process.stdout.write(JSON.stringify(matrixJson(rows), null, 2) + '\n');
        return;
      }
      const head = ['scenario', 'guest', 'qemu', 'xen', 'verdict', 'first invariant violated', 'steps'];
      const body = rows.map((r) => [
        r.config.scenario,
        r.config.guest,
        r.config.qemu,
        r.config.xen,
        r.result.verdict,
        r.result.violation?.invariant ?? '-',
        r.result.steps ? String(r.result.steps.length) : '-',
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
      for (const b of body) {
        const l = line(b);
        out.push(b[4] === 'violated' ? l.replace('violated', pc.red('violated')) : l.replace('holds', pc.green('holds')));
      }
      out.push('', `seed ${seed}, ${runs} runs per configuration; a violation in a historical configuration is a result, not a failure.`);
      out.push(`details: pirqcheck check --scenario S --guest G --qemu Q --seed ${seed}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

import type { Command } from 'commander';
import pc from 'picocolors';
import { runMatrix, matrixJson, matrixConfigs, type MatrixRow } from '../../checker/matrix.ts';
import { resolveConfig, type Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { search, DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { addVariantFileOption, applyVariantFileOption, parseNat, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('matrix')
    .description('every historical configuration against every invariant; exit 0 when it ran to completion')
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseNat('--seed'))
    .option('--runs <n>', `random runs per configuration (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--json', 'print { rows: [...] } as JSON');
  addVariantFileOption(cmd).action(async (o: { seed?: number; runs?: number; json?: boolean }) => {
      const loaded = await applyVariantFileOption(o as Record<string, unknown>);
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? DEFAULT_RUNS;
      const rows: MatrixRow[] = runMatrix({ seed, runs });
      // A variant file adds a row for every matrix configuration of its base, with the fix swapped in.
      for (const v of loaded) {
        for (const c of matrixConfigs()) {
          if (c[v.component] !== v.base) continue;
          const config = { ...c, [v.component]: v.id } as Config;
          rows.push({ config, result: search(resolveConfig(config), { seed, runs, maxSteps: DEFAULT_MAX_STEPS, invariants: INVARIANTS }) });
        }
      }
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

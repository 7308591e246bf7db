import type { Command } from 'commander';
import pc from 'picocolors';
import { runMatrixParallel, matrixJson, matrixEntries, matrixRow, type MatrixRow } from '../../checker/matrix.ts';
import { availableParallelism } from 'node:os';
import { findScenario } from '../../model/scenarios.ts';
import type { Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { exhaustiveSet, exhaustiveSummary, EXHAUSTIVE_BUDGET, type ExhaustiveSet } from '../../checker/exhaustive.ts';
import { addVariantFileOption, applyVariantFileOption, parseNat, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('matrix')
    .description('every historical configuration against every invariant; exit 0 when it ran to completion')
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseNat('--seed'))
    .option('--runs <n>', `random runs per configuration (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--json', 'print { rows: [...] } as JSON')
    .option('--workers <n>', 'worker threads computing rows (default: the number of CPUs); the output is the same for any number', parseNat('--workers', 1));
  addVariantFileOption(cmd).action(async (o: { seed?: number; runs?: number; json?: boolean; workers?: number }) => {
      const loaded = await applyVariantFileOption(o as Record<string, unknown>);
      const seed = o.seed ?? DEFAULT_SEED;
      const runs = o.runs ?? DEFAULT_RUNS;
      const rows: MatrixRow[] = await runMatrixParallel({ seed, runs, workers: o.workers ?? availableParallelism() });
      // A variant file adds a row for every matrix configuration of its base, with the fix swapped in.
      for (const v of loaded) {
        for (const e of matrixEntries()) {
          if (e.config[v.component] !== v.base) continue;
          const config = { ...e.config, [v.component]: v.id } as Config;
          rows.push(matrixRow({ config, label: `${e.label}, with ${v.component} ${v.id}` }, { seed, runs, maxSteps: DEFAULT_MAX_STEPS }));
        }
      }
      // The exhaustive side of every row: breadth-first exploration with the same exclusion loop.
      const explored: ExhaustiveSet[] = [];
      for (const r of rows) explored.push(await exhaustiveSet(r.config, INVARIANTS));
      const verdictOf = (r: MatrixRow, x: ExhaustiveSet) => (r.verdict === 'violated' || x.violated.length ? 'violated' : 'holds');
      if (o.json) {
        const json = matrixJson(rows);
        const out = json.rows.map((j, i) => {
          const x = explored[i]!;
          return {
            ...j,
            verdict: verdictOf(rows[i]!, x),
            explore: { budget: EXHAUSTIVE_BUDGET, complete: x.complete, states: x.states, depth: x.depth, violated: x.violated.map((v) => ({ invariant: v.invariant, steps: v.steps })), holds: x.holds },
          };
        });
        process.stdout.write(JSON.stringify({ rows: out }, null, 2) + '\n');
        return;
      }
      const head = ['row', 'scenario', 'guest', 'qemu', 'xen', 'dom0', 'toolstack', 'verdict', 'violated invariants (steps of each shrunk counterexample) | exhaustive exploration'];
      const lifecycle = (c: Config) => findScenario(c.scenario)?.lifecycle !== undefined;
      const body = rows.map((r, i) => [
        r.label,
        r.config.scenario,
        lifecycle(r.config) ? '-' : r.config.guest,
        lifecycle(r.config) ? '-' : r.config.qemu,
        r.config.xen,
        lifecycle(r.config) ? r.config.dom0 : '-',
        lifecycle(r.config) ? r.config.toolstack : '-',
        verdictOf(r, explored[i]!),
        `${[...r.violated].map(([inv, res]) => `${inv} (${res.steps?.length ?? 0})`).join(', ') || '-'} | ${exhaustiveSummary(explored[i]!, [...r.violated.keys()])}`,
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
      const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
      for (const b of body) {
        const l = line(b);
        out.push(b[7] === 'violated' ? l.replace('violated', pc.red('violated')) : l.replace('holds', pc.green('holds')));
      }
      out.push('', `seed ${seed}, ${runs} runs per search; each row searches all ${INVARIANTS.length} invariants, then again without each one found violated,`);
      out.push('until the rest holds (the same verdicts and counterexamples as one search per invariant).');
      out.push(`After the bar: breadth-first exploration of the same row (up to ${EXHAUSTIVE_BUDGET.maxStates} states, depth ${EXHAUSTIVE_BUDGET.depth}), with the same loop.`);
      out.push('"complete graph": every reachable state was checked, so "holds" is a proof within the model; "also violated":');
      out.push('shortest counterexamples the random search did not reach (pirqcheck explore ... --invariant NAME prints them).');
      out.push('A violation in a historical configuration is a result, not a failure.');
      out.push(`details: pirqcheck check --scenario S --guest G --qemu Q --xen X --dom0 D --toolstack T --invariant NAME --seed ${seed}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

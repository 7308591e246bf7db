import type { Command } from 'commander';
import pc from 'picocolors';
import { runMatrixParallel, matrixJson, matrixEntries, matrixRow, type MatrixRow } from '../../checker/matrix.ts';
import { availableParallelism } from 'node:os';
import { findScenario } from '../../model/scenarios.ts';
import type { Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { exhaustiveSets, exhaustiveSummary, EXHAUSTIVE_BUDGET, type ExhaustiveSet } from '../../checker/exhaustive.ts';
import { addVariantFileOption, applyVariantFileOption, parseNat, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';

export function register(program: Command): void {
  const cmd = program
    .command('matrix')
    .description('every historical configuration against every invariant; exit 0 when it ran to completion')
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseNat('--seed'))
    .option('--runs <n>', `random runs per configuration (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--json', 'print { rows: [...] } as JSON')
    .option('--workers <n>', 'worker threads computing rows (default: the number of CPUs); the output is the same for any number', parseNat('--workers', 1))
    .option('--explore-max-states <n>', `the explore side's budget per exploration (default: ${EXHAUSTIVE_BUDGET.maxStates})`, parseNat('--explore-max-states', 1));
  addVariantFileOption(cmd).action(async (o: { seed?: number; runs?: number; json?: boolean; workers?: number; exploreMaxStates?: number }) => {
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
      // The exhaustive side of every row: breadth-first exploration with the same exclusion loop, each row's
      // reachable graph to the end (rows on --workers threads; the results do not depend on their number).
      const budget = { ...EXHAUSTIVE_BUDGET, maxStates: o.exploreMaxStates ?? EXHAUSTIVE_BUDGET.maxStates };
      const explored: ExhaustiveSet[] = await exhaustiveSets(
        rows.map((r) => r.config),
        INVARIANTS,
        { budget, workers: o.workers ?? availableParallelism(), variantFiles: ((o as Record<string, unknown>)['variantFile'] as string[] | undefined) ?? [] },
      );
      const verdictOf = (r: MatrixRow, x: ExhaustiveSet) => (r.verdict === 'violated' || x.violated.length ? 'violated' : 'holds');
      if (o.json) {
        const json = matrixJson(rows);
        const out = json.rows.map((j, i) => {
          const x = explored[i]!;
          return {
            ...j,
            verdict: verdictOf(rows[i]!, x),
            explore: { budget: { depth: null, maxStates: budget.maxStates }, complete: x.complete, states: x.states, depth: x.depth, violated: x.violated.map((v) => ({ invariant: v.invariant, steps: v.steps })), holds: x.holds },
          };
        });
        process.stdout.write(JSON.stringify({ rows: out }, null, 2) + '\n');
        return;
      }
      const head = ['row', 'scenario', 'configuration', 'verdict'];
      const lifecycle = (c: Config) => findScenario(c.scenario)?.lifecycle !== undefined;
      const configText = (c: Config) =>
        lifecycle(c) ? `dom0 ${c.dom0}, xen ${c.xen}, toolstack ${c.toolstack}` : `guest ${c.guest}, qemu ${c.qemu}, xen ${c.xen}`;
      const body = rows.map((r, i) => [r.label, r.config.scenario, configText(r.config), verdictOf(r, explored[i]!)]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
      const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
      rows.forEach((r, i) => {
        const b = body[i]!;
        const l = line(b);
        out.push(b[3] === 'violated' ? l.replace(/violated$/, pc.red('violated')) : l.replace(/holds$/, pc.green('holds')));
        const found = [...r.violated].map(([inv, res]) => `${inv} (${res.steps?.length ?? 0})`).join(', ');
        if (found) out.push(`    search:  ${found}`);
        out.push(`    explore: ${exhaustiveSummary(explored[i]!, [...r.violated.keys()])}`);
      });
      out.push('', `search:  every invariant a random search violates (seed ${seed}, ${runs} runs; all ${INVARIANTS.length} invariants, then again without each`);
      out.push('         one found, until the rest holds), with the steps of its shrunk counterexample.');
      out.push(`explore: breadth-first exploration of the same row with the same loop, to the end of the graph (at most ${budget.maxStates} states;`);
      out.push('         states counted up to renaming irqs and ports and swapping the two devices: docs/performance.md).');
      out.push('         "complete graph": every reachable state was checked, so what holds is proved within the model;');
      out.push('         "also violated": shortest counterexamples the search did not reach (pirqcheck explore ... --invariant NAME).');
      out.push('A violation in a historical configuration is a result, not a failure.');
      out.push(`details: pirqcheck check --scenario S --guest G --qemu Q --xen X --dom0 D --toolstack T --invariant NAME --seed ${seed}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

import type { Command } from 'commander';
import pc from 'picocolors';
import { runMatrixParallel, matrixJson, matrixEntries, matrixRow, matrixVerdict, type MatrixRow } from '../../checker/matrix.ts';
import { foundText, outcomeText } from '../../checker/outcome.ts';
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
      const verdicts = rows.map((r, i) => matrixVerdict(r, explored[i]!));
      if (o.json) {
        const json = matrixJson(rows);
        const out = json.rows.map((j, i) => {
          const x = explored[i]!;
          const v = verdicts[i]!;
          return {
            ...j,
            verdict: v.outcome === 'holds' ? 'holds' : 'violated',
            outcome: v.outcome,
            proved: v.proved,
            failures: v.failures.map((f) => ({ invariant: f.invariant, steps: f.steps, by: f.by })),
            hazards: v.hazards.map((f) => ({ invariant: f.invariant, steps: f.steps, by: f.by })),
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
      const body = rows.map((r, i) => [r.label, r.config.scenario, configText(r.config), outcomeText(verdicts[i]!)]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
      const paint = (o: string, t: string) => (o === 'fails' ? pc.red(t) : o === 'hazard' ? pc.yellow(t) : pc.green(t));
      const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
      rows.forEach((r, i) => {
        const b = body[i]!;
        const v = verdicts[i]!;
        const l = line(b.slice(0, 3).concat(['']));
        out.push(l + paint(v.outcome, b[3]!));
        if (v.failures.length) out.push(`    fails:   ${foundText(v.failures)}`);
        if (v.hazards.length) out.push(`    hazards: ${foundText(v.hazards)}`);
        out.push(`    explore: ${exhaustiveSummary(explored[i]!, [...r.violated.keys()])}`);
      });
      const n = (k: string) => verdicts.filter((v) => v.outcome === k).length;
      out.push('', `${rows.length} rows: ${n('fails')} fail, ${n('hazard')} only hazards, ${n('holds')} hold; ${verdicts.filter((v) => v.proved).length} proved over the complete graph.`);
      out.push(`fails:   failures (a user or operator sees them: a lost interrupt, a failed bind or hypercall, an error in a log), each with the`);
      out.push(`         steps of its shortest counterexample; hazards: components disagree and nothing observes it yet (pirqcheck invariants).`);
      out.push(`         (n): the random search's shrunk counterexample (seed ${seed}, ${runs} runs, all ${INVARIANTS.length} invariants, then again without each one found);`);
      out.push('         (explore: n): only breadth-first exploration reached it, n steps (pirqcheck explore ... --invariant NAME).');
      out.push(`explore: breadth-first exploration of the same row with the same loop, to the end of the graph (at most ${budget.maxStates} states;`);
      out.push('         states counted up to renaming irqs and ports and swapping the two devices: docs/performance.md).');
      out.push('proved:  exploration covered the complete reachable graph, so the row\'s failures and hazards are exact within the model;');
      out.push('bounded: within the search and exploration bounds (a listed failure or hazard has its counterexample either way).');
      out.push('A failure in a historical configuration is a result, not an error of pirqcheck.');
      out.push(`details: pirqcheck check --scenario S --guest G --qemu Q --xen X --dom0 D --toolstack T --invariant NAME --seed ${seed}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

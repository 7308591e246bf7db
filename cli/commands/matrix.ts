import type { Command } from 'commander';
import pc from 'picocolors';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runMatrixParallel, matrixJson, matrixEntries, matrixRow, matrixVerdict, type MatrixRow } from '../../checker/matrix.ts';
import { foundText, outcomeText, type RowVerdict } from '../../checker/outcome.ts';
import { findScenario } from '../../model/scenarios.ts';
import type { Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { exhaustiveSets, exhaustiveSummary, EXHAUSTIVE_BUDGET, type ExhaustiveSet } from '../../checker/exhaustive.ts';
import { addVariantFileOption, applyVariantFileOption, capWorkers, parseNat, parseSeed, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';
import { cellsFromMatrix, junitXml } from '../../checker/junit.ts';
import { EXPECTATIONS_FILE, readExpectations } from '../../counterexamples/corpus.ts';
import { PACKAGE_CORPUS_DIR } from '../../api/corpus-replay.ts';
import { checkJunitPath, writeJunitFile } from '../junit-file.ts';
import { INTERRUPTED_EXIT, interruptible, progress, yieldToSignals } from '../progress.ts';
import { outputWidth, plainTable, wrap } from '../table.ts';

/** The explore side's budget of `npm run prove` (package.json; cli/ci.test.ts keeps the two equal). */
export const PROVE_MAX_STATES = 5_000_000;

export function register(program: Command): void {
  const cmd = program
    .command('matrix')
    .description('every historical configuration against every invariant; exit 0 when it ran to completion (with --junit: 1 when a verdict differs from counterexamples/expectations.json), 130 when stopped by Ctrl-C')
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseSeed('--seed'))
    .option('--runs <n>', `random runs per configuration (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--json', 'print { rows: [...] } as JSON')
    .option('--workers <n>', 'worker threads computing rows (default: the number of CPUs; more than that is capped, with a warning); the output is the same for any number', parseNat('--workers', 1))
    .option('--explore-max-states <n>', `the explore side's budget per exploration (default: ${EXHAUSTIVE_BUDGET.maxStates})`, parseNat('--explore-max-states', 1))
    .option('--junit <file>', 'also write a JUnit report: one test case per configuration and invariant, failing where the verdict differs from counterexamples/expectations.json (exit 1 then)');
  addVariantFileOption(cmd).action(async (o: { seed?: number; runs?: number; json?: boolean; workers?: number; exploreMaxStates?: number; junit?: string }) => {
    const loaded = await applyVariantFileOption(o as Record<string, unknown>);
    const seed = o.seed ?? DEFAULT_SEED;
    const runs = o.runs ?? DEFAULT_RUNS;
    if (o.junit !== undefined) checkJunitPath(o.junit);
    const workers = capWorkers(o.workers);
    const entries = matrixEntries();
    const extraRows = loaded.flatMap((v) => entries.filter((e) => e.config[v.component] === v.base).map((e) => ({ v, e })));
    const total = entries.length + extraRows.length;
    const bar = progress('matrix', 'configurations', total, { enabled: !o.json });
    const stop = interruptible(() => bar.stop());
    let runsDone = 0;
    const countRuns = (r: MatrixRow) => {
      runsDone += [...r.violated.values()].reduce((n, x) => n + x.runsExecuted, 0) + (r.holds.length ? r.result.runs : 0);
    };
    const rows: MatrixRow[] = await runMatrixParallel({ seed, runs, workers, stop: () => stop.requested }, (row, done) => {
      countRuns(row);
      if (!stop.requested) bar.update(done, { runs: runsDone });
    });
    // A variant file adds a row for every matrix configuration of its base, with the fix swapped in.
    for (const { v, e } of extraRows) {
      await yieldToSignals();
      if (stop.requested) break;
      const config = { ...e.config, [v.component]: v.id } as Config;
      const row = matrixRow({ config, label: `${e.label}, with ${v.component} ${v.id}` }, { seed, runs, maxSteps: DEFAULT_MAX_STEPS });
      rows.push(row);
      countRuns(row);
      bar.update(rows.length, { runs: runsDone });
    }
    // The exhaustive side of every row: breadth-first exploration with the same exclusion loop, each row's
    // reachable graph to the end (rows on --workers threads; the results do not depend on their number).
    // Interrupted before it starts, it is not run; once started, it finishes.
    const budget = { ...EXHAUSTIVE_BUDGET, maxStates: o.exploreMaxStates ?? EXHAUSTIVE_BUDGET.maxStates };
    let explored: ExhaustiveSet[] = [];
    if (!stop.requested) {
      bar.update(rows.length, { runs: runsDone, note: `exploring ${rows.length} rows` });
      explored = await exhaustiveSets(
        rows.map((r) => r.config),
        INVARIANTS,
        { budget, workers, variantFiles: ((o as Record<string, unknown>)['variantFile'] as string[] | undefined) ?? [] },
      );
    }
    bar.stop();
    stop.release();
    const interrupted = stop.requested && explored.length === 0;
    // Interrupted: every row whose search finished, judged by its search alone.
    const verdicts = rows.map((r, i) => (explored[i] ? matrixVerdict(r, explored[i]!) : matrixVerdict(r, { complete: false, violated: [] })));
    let junitFailures = 0;
    if (o.junit !== undefined) {
      const exp = existsSync(join(PACKAGE_CORPUS_DIR, EXPECTATIONS_FILE)) ? readExpectations(PACKAGE_CORPUS_DIR) : null;
      const cells = cellsFromMatrix(rows.slice(0, explored.length), { seed, runs, maxSteps: DEFAULT_MAX_STEPS }, explored);
      const extra = loaded.map((v) => `--variant-file ${v.file}`).join(' ');
      const { xml, summary } = junitXml(cells, exp, { name: 'pirqcheck matrix', corpusPath: PACKAGE_CORPUS_DIR, ...(extra ? { extraArgs: extra } : {}) });
      writeJunitFile(o.junit, xml);
      junitFailures = summary.failures;
      process.stderr.write(`wrote ${o.junit}: ${summary.tests} cases (configuration x invariant), ${summary.failures} differ from expectations.json\n`);
    }
    if (o.json) {
      const json = matrixJson(rows);
      const out = json.rows.map((j, i) => {
        const x = explored[i];
        const v = verdicts[i]!;
        return {
          ...j,
          verdict: v.outcome === 'holds' ? 'holds' : 'violated',
          outcome: v.outcome,
          proved: v.proved,
          failures: v.failures.map((f) => ({ invariant: f.invariant, steps: f.steps, by: f.by })),
          hazards: v.hazards.map((f) => ({ invariant: f.invariant, steps: f.steps, by: f.by })),
          explore: x ? { budget: { depth: null, maxStates: budget.maxStates }, complete: x.complete, states: x.states, depth: x.depth, violated: x.violated.map((v) => ({ invariant: v.invariant, steps: v.steps })), holds: x.holds } : null,
        };
      });
      process.stdout.write(JSON.stringify({ rows: out, ...(interrupted ? { interrupted: true } : {}) }, null, 2) + '\n');
    } else {
      process.stdout.write(matrixText(rows, explored, verdicts, { seed, runs, width: outputWidth(), maxStates: budget.maxStates }).join('\n') + '\n');
    }
    if (interrupted) {
      process.stderr.write(`pirqcheck: interrupted: ${rows.length} of ${total} configurations searched, ${explored.length} explored (shown above)\n`);
      process.exitCode = INTERRUPTED_EXIT;
      return;
    }
    process.exitCode = junitFailures > 0 ? 1 : 0;
  });
}

/** The matrix as text, fitted to `width` (see cli/table.ts). */
export function matrixText(
  rows: readonly MatrixRow[],
  explored: readonly (ExhaustiveSet | undefined)[],
  verdicts: readonly RowVerdict[],
  o: { seed: number; runs: number; width: number; maxStates: number },
): string[] {
  const lifecycle = (c: Config) => findScenario(c.scenario)?.lifecycle !== undefined;
  const configText = (c: Config) =>
    lifecycle(c) ? `dom0 ${c.dom0}, xen ${c.xen}, toolstack ${c.toolstack}` : `guest ${c.guest}, qemu ${c.qemu}, xen ${c.xen}`;
  const full = ['row', 'scenario', 'configuration', 'verdict'];
  const fullBody = rows.map((r, i) => [r.label, r.config.scenario, configText(r.config), outcomeText(verdicts[i]!)]);
  const wide = plainTable(full, fullBody).every((l) => l.length <= o.width);
  // Narrow: the configuration moves to the first line under its row.
  const head = wide ? full : ['row', 'scenario', 'verdict'];
  const body = wide ? fullBody : fullBody.map((b) => [b[0]!, b[1]!, b[3]!]);
  const table = plainTable(head, body);
  const out = table.slice(0, 2);
  const paint = (l: string, v: RowVerdict) => {
    const t = outcomeText(v);
    const c = v.outcome === 'fails' ? pc.red(t) : v.outcome === 'hazard' ? pc.yellow(t) : pc.green(t);
    return l.endsWith(t) ? l.slice(0, l.length - t.length) + c : l;
  };
  rows.forEach((r, i) => {
    const v = verdicts[i]!;
    out.push(paint(table[i + 2]!, v));
    if (!wide) out.push(...wrap(configText(r.config), o.width, '    ', '        '));
    if (v.failures.length) out.push(...wrap(foundText(v.failures), o.width, '    fails:   ', '             '));
    if (v.hazards.length) out.push(...wrap(foundText(v.hazards), o.width, '    hazards: ', '             '));
    const x = explored[i];
    out.push(...wrap(x ? exhaustiveSummary(x, [...r.violated.keys()]) : 'not run (interrupted)', o.width, '    explore: ', '             '));
  });
  const n = (k: string) => verdicts.filter((v) => v.outcome === k).length;
  const para = (lead: string, text: string) => wrap(text, o.width, lead, ' '.repeat(lead.length), 'words');
  out.push('');
  out.push(...para('', `${rows.length} rows: ${n('fails')} fail, ${n('hazard')} only hazards, ${n('holds')} hold; ${verdicts.filter((v) => v.proved).length} proved over the complete graph.`));
  out.push(...para('fails:   ', 'failures (a user or operator sees them: a lost interrupt, a failed bind or hypercall, an error in a log), each with the steps of its shortest counterexample; hazards: components disagree and nothing observes it yet (pirqcheck invariants).'));
  out.push(...para('         ', `(n): the random search's shrunk counterexample (seed ${o.seed}, ${o.runs} runs, all ${INVARIANTS.length} invariants, then again without each one found); (explore: n): only breadth-first exploration reached it, n steps (pirqcheck explore ... --invariant NAME).`));
  out.push(...para('explore: ', `breadth-first exploration of the same row with the same loop, to the end of the graph (at most ${o.maxStates} states; states counted up to renaming irqs and ports, leaving out what the configuration does not read and swapping the two devices: docs/performance.md).`));
  out.push(...para('proved:  ', "exploration covered the complete reachable graph, so the row's failures and hazards are exact within the model;"));
  const bounded = verdicts.some((v) => !v.proved);
  out.push(...para('bounded: ', `within the search and exploration bounds (a listed failure or hazard has its counterexample either way)${bounded ? `; a larger --explore-max-states explores further (npm run prove: ${PROVE_MAX_STATES})` : ''}.`));
  out.push(...para('', 'A failure in a historical configuration is a result, not an error of pirqcheck.'));
  // A command that runs as printed: the first violation of the table (another row: its scenario and variants).
  const first = rows.find((r) => r.violated.size > 0);
  if (first) {
    const c = first.config;
    const used = findScenario(c.scenario)?.components ?? [];
    const flags = (['guest', 'qemu', 'xen', 'dom0', 'toolstack'] as const).filter((k) => used.includes(k)).map((k) => `--${k} ${c[k]}`);
    out.push(...para('details: ', `the first violation above, step by step (for another row, its scenario, variants and invariant):`));
    out.push(`  pirqcheck check --scenario ${c.scenario} ${flags.join(' ')} --invariant ${first.violated.keys().next().value} --seed ${o.seed}${o.runs === DEFAULT_RUNS ? '' : ` --runs ${o.runs}`}`);
  }
  return out;
}

/** `check --variant-file F`: what the fix in F fixes and breaks relative to its base variant. */
import { isAbsolute, join, relative } from 'node:path';
import pc from 'picocolors';
import { CONFIG_COMPONENTS } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { findScenario } from '../../model/scenarios.ts';
import { findVariant, type Flags } from '../../model/variants.ts';
import { loadedVariants, type LoadedVariant } from '../../api/load.ts';
import { CORPUS_OUTCOMES, PACKAGE_CORPUS_DIR, replayCorpus, type CorpusOutcome, type CorpusReplay, type CorpusReplayRow } from '../../api/corpus-replay.ts';
import { compareVariant, comparisonConfigs, scenariosWithout, type CompareRow, type SearchBudget } from '../../api/compare.ts';
import { INTERRUPTED_EXIT, interruptible, progress, yieldToSignals } from '../progress.ts';
import { fitLines, fitTable, outputWidth } from '../table.ts';

function colour(change: string, text: string): string {
  return change === 'BREAKS' ? pc.red(text) : change === 'FIXES' ? pc.green(text) : text;
}

/** Flags the fix changes relative to its base, as `name: old -> new`. */
export function flagChanges(v: LoadedVariant): string[] {
  const base = findVariant(v.component, v.base);
  const before = (base?.flags ?? {}) as Partial<Record<keyof Flags, unknown>>;
  const after = v.flags as Partial<Record<keyof Flags, unknown>>;
  return (Object.keys(after) as (keyof Flags)[])
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${before[k] === undefined ? '(default)' : JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`);
}

/** Corpus replay lines: one per known bug (trace) of the fix's base, grouped by outcome. */
function corpusLines(v: LoadedVariant, c: CorpusReplay, shownDir: string): string[] {
  const out: string[] = [];
  if (c.total === 0) return [`known bugs: no counterexample corpus in ${shownDir}; corpus replay skipped`];
  const notReplayed = [
    c.otherBase ? `${c.otherBase} use another ${v.component} variant` : '',
    c.componentUnused ? `${c.componentUnused} are in scenarios that do not use the ${v.component} component` : '',
  ].filter(Boolean);
  out.push(
    `known bugs: ${c.rows.length} of the ${c.total} corpus traces in ${shownDir} use ${v.component} ${v.base} in a scenario that uses it; each replayed with ${v.id} swapped in` +
      (notReplayed.length ? ` (not replayed: ${notReplayed.join(', ')})` : ''),
  );
  const others = CONFIG_COMPONENTS.filter((k) => k !== v.component);
  const label = (r: CorpusReplayRow) => `${r.invariant}  ${r.config.scenario} ${others.map((k) => (r.config as unknown as Record<string, string>)[k]).join(' ')}`;
  const heads: Record<CorpusOutcome, [(s: string) => string, string]> = {
    fixed: [pc.green, 'every step ran, every invariant held'],
    'still violated': [pc.red, 'the recorded invariant fails again on the same steps'],
    'other violation': [pc.yellow, 'the recorded invariant holds, another one fails on the same steps'],
    'cannot run': [pc.yellow, 'some steps are not possible with the fix; no invariant failed on the others'],
  };
  for (const outcome of CORPUS_OUTCOMES) {
    const rows = c.rows.filter((r) => r.outcome === outcome);
    const [paint, what] = heads[outcome];
    out.push(`  ${paint(outcome)} (${rows.length}; ${what})`);
    for (const r of rows) {
      const extra =
        outcome === 'still violated'
          ? `  (at step ${r.violatedAt})`
          : outcome === 'other violation'
          ? `  (step ${r.violatedAt}: ${r.violated.join(', ')})`
          : outcome === 'cannot run'
            ? `  (step ${r.refused[0]!.n} not possible: ${r.refused[0]!.action}: ${r.refused[0]!.reason}${r.refused.length > 1 ? `; ${r.refused.length - 1} more` : ''})`
            : '';
      out.push(`    ${label(r)}${extra}`);
    }
  }
  for (const u of c.unreadable) out.push(pc.yellow(`  unreadable: ${u.reason}`));
  const example = c.rows.find((r) => r.outcome === 'fixed') ?? c.rows[0];
  if (example) out.push(`  one of them step by step: pirqcheck replay ${join(shownDir, example.trace)} --${v.component} ${v.id} --variant-file ${v.file}`);
  return out;
}

export interface FixReportOptions extends SearchBudget {
  readonly pinned: Partial<Record<string, string>>;
  readonly json: boolean;
  /** The counterexample corpus to replay (default: the one shipped with pirqcheck). */
  readonly corpusDir?: string;
}

function ccount(c: CorpusReplay, outcome: CorpusReplayRow['outcome']): number {
  return c.rows.filter((r) => r.outcome === outcome).length;
}

/**
 * Print the comparison of every loaded variant; returns the exit status (1 when anything BREAKS, 130 when
 * Ctrl-C stopped it: the configurations compared so far are printed, the corpus replay is skipped).
 */
export async function runFixReport(o: FixReportOptions): Promise<number> {
  let status = 0;
  let interrupted: string | null = null;
  const loaded = loadedVariants();
  const isBuiltIn = (c: string, id: string) => !loaded.some((l) => l.component === c && l.id === id);
  const out: string[] = [];
  const json: unknown[] = [];
  for (const v of loaded) {
    const configs = comparisonConfigs(v.component, o.pinned, isBuiltIn);
    if (!o.json) process.stderr.write(pc.dim(`checking ${v.id} in ${configs.length} configuration(s), baseline and fix...\n`));
    // One configuration at a time, so that Ctrl-C (read between them) stops with what was found so far.
    const bar = progress(`checking ${v.id}`, 'configurations', configs.length, { enabled: !o.json });
    const stop = interruptible(() => bar.stop());
    const compared: CompareRow[] = [];
    let done = 0;
    for (const config of configs) {
      await yieldToSignals();
      if (stop.requested) break;
      compared.push(...compareVariant(v, [config], o).rows);
      bar.update(++done);
    }
    bar.stop();
    stop.release();
    const cmp = { variant: v, rows: compared, configs: done };
    const corpusDir = o.corpusDir ?? PACKAGE_CORPUS_DIR;
    const corpus: CorpusReplay = stop.requested ? { dir: corpusDir, total: 0, otherBase: 0, componentUnused: 0, rows: [], unreadable: [] } : replayCorpus(v, corpusDir);
    if (stop.requested) interrupted = `interrupted: ${done} of ${configs.length} configurations compared (shown); the corpus replay was not run`;
    const rel = relative(process.cwd(), corpusDir) || '.';
    const shownDir = rel.startsWith('..') || isAbsolute(rel) ? corpusDir.replace(/\/$/, '') : rel;
    const skipped = scenariosWithout(v.component, o.pinned);
    const others = CONFIG_COMPONENTS.filter((c) => c !== v.component);
    const count = (c: string) => cmp.rows.filter((r) => r.change === c).length;
    if (count('BREAKS') > 0) status = 1;
    if (o.json) {
      json.push({
        variant: { id: v.id, component: v.component, base: v.base, file: v.file, title: v.title, upstream: v.upstream, flags: v.flags },
        seed: o.seed,
        runs: o.runs,
        rows: cmp.rows.map((r) => ({ config: r.fix, baseline: r.baseline, invariant: r.invariant, baselineVerdict: r.before, fixVerdict: r.after, change: r.change })),
        summary: { fixes: count('FIXES'), breaks: count('BREAKS'), stillViolated: count('still violated'), holds: count('holds') },
        scenariosNotUsingComponent: skipped,
        corpus: {
          dir: corpusDir,
          traces: corpus.total,
          otherBase: corpus.otherBase,
          componentUnused: corpus.componentUnused,
          summary: { fixed: ccount(corpus, 'fixed'), stillViolated: ccount(corpus, 'still violated'), otherViolation: ccount(corpus, 'other violation'), cannotRun: ccount(corpus, 'cannot run') },
          bugs: corpus.rows,
          unreadable: corpus.unreadable,
        },
      });
      continue;
    }
    out.push(`${pc.bold(`fix ${v.id}`)} (${v.component}, from ${v.file}): ${v.title}`);
    out.push(`  upstream: ${v.upstream}; versions: ${v.versions}`);
    out.push(`  baseline: ${v.component} ${v.base}; changes ${flagChanges(v).join(', ') || 'no flag (same behaviour as the baseline)'}`);
    out.push(`  ${INVARIANTS.length} invariants in ${cmp.configs} configurations, baseline and fix, seed ${o.seed}, ${o.runs} runs of up to ${o.maxSteps} steps each`);
    if (skipped.length) out.push(`  not compared: ${skipped.join(', ')} (scenario does not use the ${v.component} component)`);
    const byScenario = new Map<string, CompareRow[]>();
    for (const r of cmp.rows) byScenario.set(r.fix.scenario, [...(byScenario.get(r.fix.scenario) ?? []), r]);
    for (const [scenario, rows] of byScenario) {
      const shown = rows.filter((r) => r.change !== 'holds');
      out.push('', `scenario ${scenario}`);
      if (shown.length === 0) {
        out.push(`  every invariant holds with the baseline and with the fix (${rows.length} invariant x configuration pairs)`);
        continue;
      }
      const used = others.filter((c) => findScenario(scenario)?.components.includes(c) ?? true);
      const head = [...used, 'invariant', `baseline (${v.base})`, `fix (${v.id})`, 'change'];
      const body = shown.map((r) => [...used.map((c) => (r.fix as unknown as Record<string, string>)[c] ?? ''), r.invariant, r.before, r.after, r.change]);
      // Fitted to the terminal (80 columns when piped): too wide, the configuration becomes a heading per group.
      const fit = fitTable(head, body, outputWidth(), { group: used.length, indent: '  ' });
      const lines = [...fit.lines];
      fit.rowLine.forEach((at, i) => (lines[at] = colour(shown[i]!.change, lines[at]!)));
      out.push(...lines);
      const quiet = rows.length - shown.length;
      if (quiet > 0) out.push(`  (${quiet} other invariant x configuration pairs hold with both)`);
    }
    out.push('', `summary for ${v.id}: FIXES ${count('FIXES')}, BREAKS ${count('BREAKS')}, still violated ${count('still violated')}, holds with both ${count('holds')}`);
    const broken = cmp.rows.filter((r) => r.change === 'BREAKS' || r.change === 'still violated');
    const seen = new Set<string>();
    const MAX_SHOWN = 4;
    for (const r of broken) {
      const flags = [`--scenario ${r.fix.scenario}`, ...CONFIG_COMPONENTS.map((c) => `--${c} ${(r.fix as unknown as Record<string, string>)[c]}`)].join(' ');
      if (seen.has(flags)) continue;
      seen.add(flags);
      if (seen.size > MAX_SHOWN) continue;
      out.push(`  counterexample: pirqcheck check ${flags} --variant-file ${v.file} --seed ${o.seed}`);
    }
    if (seen.size > MAX_SHOWN) out.push(`  ... and ${seen.size - MAX_SHOWN} more configuration(s) with a violation (all in --json)`);
    if (interrupted) break;
    out.push('', ...corpusLines(v, corpus, shownDir), `summary of known bugs for ${v.id}: fixed ${ccount(corpus, 'fixed')}, still violated ${ccount(corpus, 'still violated')}, other violation ${ccount(corpus, 'other violation')}, cannot run ${ccount(corpus, 'cannot run')}`, '');
  }
  process.stdout.write(o.json ? JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + '\n' : fitLines(out, outputWidth()).join('\n') + '\n');
  if (interrupted) {
    process.stderr.write(`pirqcheck: ${interrupted}\n`);
    return INTERRUPTED_EXIT;
  }
  return status;
}

/**
 * `check --variant-file F`: what the fix in F changes relative to its base variant. The report opens with a
 * three-line summary (failures removed and where, failures introduced with the command that prints each
 * one's counterexample, hazards changed), then the configurations the fix can affect, then the known bugs
 * of the corpus replayed with the fix.
 */
import { isAbsolute, join, relative } from 'node:path';
import pc from 'picocolors';
import { CONFIG_COMPONENTS, type Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { findScenario } from '../../model/scenarios.ts';
import { findVariant, type Flags } from '../../model/variants.ts';
import { loadedVariants, type LoadedVariant } from '../../api/load.ts';
import { CORPUS_OUTCOMES, PACKAGE_CORPUS_DIR, replayCorpus, type CorpusOutcome, type CorpusReplay, type CorpusReplayRow } from '../../api/corpus-replay.ts';
import { COMPARE_BUDGET, changedBehaviour, changedFlags, compareVariant, comparisonConfigs, scenariosWithout, type CompareRow, type SearchBudget } from '../../api/compare.ts';
import { matrixEntries } from '../../checker/matrix.ts';
import { DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { configKey } from '../../counterexamples/corpus.ts';
import { DEFAULT_RUNS } from '../options.ts';
import { INTERRUPTED_EXIT, interruptible, progress } from '../progress.ts';
import { fitLines, fitTable, outputWidth } from '../table.ts';

function colour(change: string, text: string): string {
  return change === 'BREAKS' ? pc.red(text) : change === 'FIXES' ? pc.green(text) : text;
}

/** Flags the fix changes relative to its base, as `name: old -> new`. */
export function flagChanges(v: LoadedVariant): string[] {
  const base = findVariant(v.component, v.base);
  const before = (base?.flags ?? {}) as Partial<Record<keyof Flags, unknown>>;
  const after = v.flags as Partial<Record<keyof Flags, unknown>>;
  return (changedFlags(v) as (keyof Flags)[]).map((k) => `${k}: ${before[k] === undefined ? '(default)' : JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`);
}

const cfgOf = (c: Config, k: string) => (c as unknown as Record<string, string>)[k]!;

/** A configuration in words: the matrix's label when it is a matrix row, else the variants its scenario uses. */
function configName(c: Config, except: string): string {
  const e = matrixEntries().find((m) => configKey(m.config) === configKey(c));
  if (e) return e.label;
  const used = findScenario(c.scenario)?.components ?? CONFIG_COMPONENTS;
  return CONFIG_COMPONENTS.filter((k) => k !== except && used.includes(k)).map((k) => `${k} ${cfgOf(c, k)}`).join(', ');
}

/** "enabled-vector-delivers in reboot-hvm (seeds 003/004: pvops dom0, Xen 4.12)", grouped by invariant. */
function whereText(rows: readonly CompareRow[], except: string, withEvidence = false): string {
  const by = new Map<string, CompareRow[]>();
  for (const r of rows) by.set(r.invariant, [...(by.get(r.invariant) ?? []), r]);
  return [...by]
    .map(([inv, rs]) => {
      const scen = new Map<string, string[]>();
      for (const r of rs) scen.set(r.fix.scenario, [...(scen.get(r.fix.scenario) ?? []), configName(r.baseline, except)]);
      const ev = withEvidence && rs[0]!.evidence ? `: "${rs[0]!.evidence}"` : '';
      return `${inv} in ${[...scen].map(([s, names]) => `${s} (${names.length === 1 ? names[0] : `${names.length} configurations`})`).join(', ')}${ev}`;
    })
    .join('; ');
}

/** The command that prints the fix's counterexample of a BREAKS row: check for the search's, explore for exploration's. */
export function breaksCommand(v: LoadedVariant, r: CompareRow, b: SearchBudget): string {
  const flags = [`--scenario ${r.fix.scenario}`, ...CONFIG_COMPONENTS.map((c) => `--${c} ${cfgOf(r.fix, c)}`), `--variant-file ${v.file}`, `--invariant ${r.invariant}`].join(' ');
  if (r.afterBy === 'explore') return `pirqcheck explore ${flags} --max-states ${COMPARE_BUDGET.maxStates}`;
  const extra = [b.runs !== DEFAULT_RUNS ? ` --runs ${b.runs}` : '', b.maxSteps !== DEFAULT_MAX_STEPS ? ` --max-steps ${b.maxSteps}` : ''].join('');
  return `pirqcheck check ${flags} --seed ${b.seed}${extra}`;
}

/** Corpus replay lines: one per known bug (trace) of the fix's base, grouped by outcome. */
function corpusLines(v: LoadedVariant, c: CorpusReplay, shownDir: string): string[] {
  const out: string[] = [];
  if (c.total === 0) return [`known bugs: no counterexample corpus in ${shownDir}; corpus replay skipped`];
  const notReplayed = [
    c.otherBase ? `${c.otherBase} use another ${v.component} variant` : '',
    c.componentUnused ? `${c.componentUnused} are in scenarios that do not use the ${v.component} component` : '',
    c.flagsUnread ? `${c.flagsUnread} never read a flag the fix changes` : '',
  ].filter(Boolean);
  out.push(
    `known bugs: ${c.rows.length} of the ${c.total} corpus traces in ${shownDir} use ${v.component} ${v.base} and read a flag the fix changes; each replayed with ${v.id} swapped in` +
      (notReplayed.length ? ` (not listed: ${notReplayed.join(', ')})` : ''),
  );
  const others = CONFIG_COMPONENTS.filter((k) => k !== v.component);
  const label = (r: CorpusReplayRow) => `${r.invariant} (${r.kind})  ${r.config.scenario} ${others.map((k) => cfgOf(r.config, k)).join(' ')}`;
  const heads: Record<CorpusOutcome, [(s: string) => string, string]> = {
    fixed: [pc.green, 'every step ran and the recorded invariant held; what still fails on the same steps is listed by kind'],
    'still violated': [pc.red, 'the recorded invariant fails again on the same steps'],
    'cannot run': [pc.yellow, 'some steps are not possible with the fix; the recorded invariant did not fail on the others'],
  };
  for (const outcome of CORPUS_OUTCOMES) {
    const rows = c.rows.filter((r) => r.outcome === outcome);
    const [paint, what] = heads[outcome];
    out.push(`  ${paint(outcome)} (${rows.length}; ${what})`);
    for (const r of rows) {
      const remains = (k: 'failure' | 'hazard') => r.remains.filter((x) => x.kind === k).map((x) => x.invariant);
      const rem = [remains('failure').length ? `failures ${remains('failure').join(', ')}` : '', remains('hazard').length ? `hazards ${remains('hazard').join(', ')}` : ''].filter(Boolean).join('; ');
      const extra =
        outcome === 'still violated'
          ? `  (at step ${r.violatedAt})`
          : outcome === 'cannot run'
            ? `  (step ${r.refused[0]!.n} not possible: ${r.refused[0]!.action}: ${r.refused[0]!.reason}${r.refused.length > 1 ? `; ${r.refused.length - 1} more` : ''})`
            : rem
              ? `  remains: ${rem}`
              : '  nothing else fails';
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
  /** Every built-in variant of the other components, not only the matrix's configurations. */
  readonly allVariants?: boolean;
  /** Worker threads (default: the number of CPUs). */
  readonly workers?: number;
  /** 'hazard': a hazard the fix introduces makes the exit status 1 too. */
  readonly failOn?: 'failure' | 'hazard';
}

function ccount(c: CorpusReplay, outcome: CorpusReplayRow['outcome']): number {
  return c.rows.filter((r) => r.outcome === outcome).length;
}

/**
 * Print the comparison of every loaded variant; returns the exit status (1 when the fix introduces a failure,
 * 130 when Ctrl-C stopped it: the configurations compared so far are printed, the corpus replay is skipped).
 */
export async function runFixReport(o: FixReportOptions): Promise<number> {
  let status = 0;
  let interrupted: string | null = null;
  const loaded = loadedVariants();
  const isBuiltIn = (c: string, id: string) => !loaded.some((l) => l.component === c && l.id === id);
  const out: string[] = [];
  const json: unknown[] = [];
  for (const v of loaded) {
    const configs = comparisonConfigs(v.component, v.base, o.pinned, isBuiltIn, o.allVariants === true);
    if (!o.json) process.stderr.write(pc.dim(`checking ${v.id} in ${configs.length} configuration(s), baseline and fix...\n`));
    const bar = progress(`checking ${v.id}`, 'configurations', configs.length, { enabled: !o.json });
    // Ctrl-C: no configuration is started after it; those under way finish and are shown.
    const stop = interruptible(() => bar.stop());
    const cmp = await compareVariant(v, configs, o, { ...(o.workers ? { workers: o.workers } : {}), onProgress: (d) => bar.update(d), stop: () => stop.requested });
    bar.stop();
    stop.release();
    const corpusDir = o.corpusDir ?? PACKAGE_CORPUS_DIR;
    const corpus: CorpusReplay = stop.requested ? { dir: corpusDir, total: 0, otherBase: 0, componentUnused: 0, flagsUnread: 0, rows: [], unreadable: [] } : replayCorpus(v, corpusDir, changedBehaviour(v));
    if (stop.requested) interrupted = `interrupted: ${cmp.configs} of ${configs.length} configurations compared (shown); the corpus replay was not run`;
    const rel = relative(process.cwd(), corpusDir) || '.';
    const shownDir = rel.startsWith('..') || isAbsolute(rel) ? corpusDir.replace(/\/$/, '') : rel;
    const skipped = scenariosWithout(v.component, o.pinned);
    const others = CONFIG_COMPONENTS.filter((c) => c !== v.component);
    const pick = (change: string, kind?: string) => cmp.rows.filter((r) => r.change === change && (kind === undefined || r.kind === kind));
    const count = (c: string) => pick(c).length;
    const brokenFailures = pick('BREAKS', 'failure');
    if (brokenFailures.length > 0 || (o.failOn === 'hazard' && count('BREAKS') > 0)) status = 1;
    const unaffectedBy = new Map<string, number>();
    for (const c of cmp.unaffected) unaffectedBy.set(c.scenario, (unaffectedBy.get(c.scenario) ?? 0) + 1);
    const fixedBugs = corpus.rows.filter((r) => r.outcome === 'fixed');
    const firstBreaks = new Map<string, CompareRow>();
    for (const r of pick('BREAKS')) if (!firstBreaks.has(r.invariant)) firstBreaks.set(r.invariant, r);
    if (o.json) {
      json.push({
        variant: { id: v.id, component: v.component, base: v.base, file: v.file, title: v.title, upstream: v.upstream, flags: v.flags },
        seed: o.seed,
        runs: o.runs,
        rows: cmp.rows.map((r) => ({
          config: r.fix,
          baseline: r.baseline,
          invariant: r.invariant,
          kind: r.kind,
          baselineVerdict: r.before,
          fixVerdict: r.after,
          change: r.change,
          ...(r.change === 'BREAKS' ? { command: breaksCommand(v, r, o), steps: r.afterSteps, foundBy: r.afterBy } : {}),
          ...(r.evidence && r.change !== 'holds' ? { evidence: r.evidence } : {}),
        })),
        summary: {
          fixes: count('FIXES'),
          breaks: count('BREAKS'),
          stillViolated: count('still violated'),
          holds: count('holds'),
          failuresRemoved: pick('FIXES', 'failure').length,
          failuresIntroduced: brokenFailures.length,
          hazardsRemoved: pick('FIXES', 'hazard').length,
          hazardsIntroduced: pick('BREAKS', 'hazard').length,
          knownBugsFixed: fixedBugs.length,
        },
        configurations: cmp.configs,
        provedConfigurations: cmp.proved,
        unaffected: cmp.unaffected,
        scenariosNotUsingComponent: skipped,
        corpus: {
          dir: corpusDir,
          traces: corpus.total,
          otherBase: corpus.otherBase,
          componentUnused: corpus.componentUnused,
          flagsUnread: corpus.flagsUnread,
          summary: { fixed: ccount(corpus, 'fixed'), stillViolated: ccount(corpus, 'still violated'), cannotRun: ccount(corpus, 'cannot run') },
          bugs: corpus.rows,
          unreadable: corpus.unreadable,
        },
      });
      continue;
    }
    out.push(`${pc.bold(`fix ${v.id}`)} (${v.component}, from ${v.file}): ${v.title}`);
    out.push(`  upstream: ${v.upstream}; versions: ${v.versions}`);
    const changes = [...flagChanges(v), ...(v.overridden.length ? [`function${v.overridden.length > 1 ? 's' : ''} ${v.overridden.join(', ')}`] : [])];
    out.push(`  baseline: ${v.component} ${v.base}; changes ${changes.join(', ') || 'no flag and no function (same behaviour as the baseline)'}`);
    // The summary, three lines.
    const removed = pick('FIXES', 'failure');
    const bugGroups = new Map<string, Map<string, string[]>>();
    for (const r of fixedBugs) {
      const g = bugGroups.get(r.invariant) ?? new Map<string, string[]>();
      g.set(r.config.scenario, [...(g.get(r.config.scenario) ?? []), configName(r.config, '')]);
      bugGroups.set(r.invariant, g);
    }
    const bugText = (k: string) =>
      [...bugGroups]
        .filter(([inv]) => INVARIANTS.find((i) => i.name === inv)?.kind === k)
        .map(([inv, g]) => `${inv} in ${[...g].map(([s, names]) => `${s} (${names.length === 1 ? names[0] : `${names.length} configurations`})`).join(', ')}`)
        .join('; ');
    const bugNames = [bugText('failure') ? `failures: ${bugText('failure')}` : '', bugText('hazard') ? `hazards: ${bugText('hazard')}` : ''].filter(Boolean);
    out.push('', pc.bold(`summary for ${v.id}:`));
    out.push(
      `  failures removed: ${removed.length ? whereText(removed, v.component, true) : 'none'}; known bugs fixed: ${fixedBugs.length} of ${corpus.rows.length}${bugNames.length ? ` (${bugNames.join('; ')})` : ''}`,
    );
    out.push(
      `  failures introduced: ${brokenFailures.length ? [...firstBreaks.values()].filter((r) => r.kind === 'failure').map((r) => `${r.invariant} in ${r.fix.scenario} (${configName(r.baseline, v.component)}): ${breaksCommand(v, r, o)}`).join('; ') : 'none'}`,
    );
    const hz = (c: string) => pick(c, 'hazard');
    out.push(
      `  hazards: removed ${hz('FIXES').length ? whereText(hz('FIXES'), v.component) : 'none'}; introduced ${hz('BREAKS').length ? whereText(hz('BREAKS'), v.component) : 'none'}; ${hz('still violated').length} hazard x configuration pairs unchanged`,
    );
    out.push('');
    const notListed = [...unaffectedBy].map(([s, n]) => `${s} ${n}`).join(', ');
    out.push(
      `  checked: ${INVARIANTS.length} invariants in ${cmp.configs} configurations, baseline and fix (seed ${o.seed}, ${o.runs} runs of up to ${o.maxSteps} steps, and exploration up to ${COMPARE_BUDGET.maxStates} states); ${cmp.configs - cmp.unaffected.length} listed, ${cmp.proved} of them proved over the complete graph with both`,
    );
    if (cmp.unaffected.length) out.push(`  not listed: ${cmp.unaffected.length} configurations whose search and exploration never read or called ${changedBehaviour(v).join(', ')} (${notListed}): the fix cannot change them`);
    if (skipped.length) out.push(`  not compared: ${skipped.join(', ')} (scenario does not use the ${v.component} component)`);
    const breaks = pick('BREAKS');
    if (breaks.length) {
      out.push(`  every BREAKS row, the command that prints the fix's counterexample:`);
      for (const r of breaks.slice(0, 8)) out.push(`    ${r.invariant} (${r.kind}): ${breaksCommand(v, r, o)}`);
      if (breaks.length > 8) out.push(`    ... and ${breaks.length - 8} more (all in --json)`);
    }
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
      const head = [...used, 'invariant', 'kind', `baseline (${v.base})`, `fix (${v.id})`, 'change'];
      const body = shown.map((r) => [...used.map((c) => cfgOf(r.fix, c)), r.invariant, r.kind, r.before, r.after, r.change]);
      // Fitted to the terminal (80 columns when piped): too wide, the configuration becomes a heading per group.
      const fit = fitTable(head, body, outputWidth(), { group: used.length, indent: '  ' });
      const lines = [...fit.lines];
      fit.rowLine.forEach((at, i) => (lines[at] = colour(shown[i]!.change, lines[at]!)));
      out.push(...lines);
      const quiet = rows.length - shown.length;
      if (quiet > 0) out.push(`  (${quiet} other invariant x configuration pairs hold with both)`);
    }
    out.push('', `summary for ${v.id}: FIXES ${count('FIXES')} (failures ${pick('FIXES', 'failure').length}), BREAKS ${count('BREAKS')} (failures ${brokenFailures.length}), still violated ${count('still violated')}, holds with both ${count('holds')}`);
    if (interrupted) break;
    out.push('', ...corpusLines(v, corpus, shownDir), `summary of known bugs for ${v.id}: fixed ${ccount(corpus, 'fixed')}, still violated ${ccount(corpus, 'still violated')}, cannot run ${ccount(corpus, 'cannot run')}`, '');
  }
  process.stdout.write(o.json ? JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + '\n' : fitLines(out, outputWidth()).join('\n') + '\n');
  if (interrupted) {
    process.stderr.write(`pirqcheck: ${interrupted}\n`);
    return INTERRUPTED_EXIT;
  }
  return status;
}

/**
 * `pirqcheck explore`: exhaustive breadth-first search of one configuration, until the state graph is complete
 * or --max-states is reached (or up to --depth steps), for a failure first and, when none is reachable, for a
 * hazard (model/invariants.ts kinds). Exit 0 when no state explored violates a failure invariant (a hazard is
 * printed but exits 0 unless --fail-on hazard), 1 on a failure (the shortest counterexample is printed), 2 on
 * bad usage.
 */
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { CONFIG_COMPONENTS, ConfigError, DEFAULT_CONFIG, configLabel, resolveConfig, type Config, type Resolved } from '../../model/config.ts';
import { INVARIANTS, findInvariant, type Invariant } from '../../model/invariants.ts';
import { explore, type ExploreResult } from '../../checker/explore.ts';
import { hasDeviceSymmetry } from '../../checker/explore-symmetry.ts';
import { CONCRETE } from '../../checker/identity.ts';
import { formatSteps, formatViolation } from '../../checker/format.ts';
import { jsonStep } from '../../checker/report-json.ts';
import { addVariantFileOption, applyVariantFileOption, capWorkers, parseFailOn } from '../options.ts';
import { exitFor, kindOf, outcomeOf, type Outcome } from '../../checker/outcome.ts';

/** Distinct states (classes) stored before explore stops without --max-states. */
export const DEFAULT_MAX_STATES = 5_000_000;

function nat(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got '${v}'`);
    return n;
  };
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** The configuration named by --scenario and the per-component flags (whatever components exist). */
export function configOf(o: Record<string, unknown>): Resolved {
  const cfg: Record<string, unknown> = { ...DEFAULT_CONFIG };
  if (typeof o['scenario'] === 'string') cfg['scenario'] = o['scenario'];
  for (const c of CONFIG_COMPONENTS) if (typeof o[c] === 'string') cfg[c] = o[c];
  return resolveConfig(cfg as unknown as Config);
}

export function invariantsOf(names: readonly string[] | undefined): readonly Invariant[] {
  if (!names || names.length === 0) return INVARIANTS;
  return names.map((n) => {
    const inv = findInvariant(n);
    if (!inv) throw new ConfigError(`unknown invariant '${n}' (valid: ${INVARIANTS.map((i) => i.name).join(', ')})`);
    return inv;
  });
}

/**
 * Machine-readable result (no functions, no call objects beyond the steps). The counterexample is at
 * `counterexample.steps`, in the shape `check --json` gives it (checker/report-json.ts JsonStep). The
 * top-level `steps` of earlier releases is kept for this release and will be removed in the next
 * (docs/reading-a-report.md).
 */
export function exploreJson(r: Resolved, res: ExploreResult): unknown {
  return {
    command: 'explore',
    config: r.config,
    verdict: res.verdict,
    depth: Number.isFinite(res.depth) ? res.depth : null,
    complete: res.complete,
    symmetry: res.symmetry,
    identity: res.identity,
    identityFallbacks: res.identityFallbacks,
    summary: res.summary,
    stopReason: res.stopReason,
    violation: res.violation,
    alsoViolated: res.alsoViolated,
    counterexample: res.steps ? { steps: res.steps.map(jsonStep) } : null,
    actions: res.actions,
    /** Deprecated: use counterexample.steps. Kept for one release. */
    steps: res.steps,
    stats: res.stats,
  };
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(0)} MiB`;
}

export function formatExplore(r: Resolved, res: ExploreResult, outcome?: Outcome): string[] {
  const s = res.stats;
  const head =
    res.verdict === 'violated'
      ? outcome === 'hazard' ? pc.yellow('hazard') : outcome === 'fails' ? pc.red('fails') : pc.red('violated')
      : res.verdict === 'holds' ? pc.green(res.complete ? 'holds, proved' : 'holds, bounded') : pc.yellow('stopped');
  const lines = [`${head}  ${configLabel(r.config)}`, `  ${res.summary}`];
  if (res.verdict === 'violated' && res.steps && res.violation) {
    lines.push(...formatSteps(res.steps), ...formatViolation(res.violation));
    if (res.alsoViolated.length > 1) lines.push(`also violated at that step: ${res.alsoViolated.filter((n) => n !== res.violation!.invariant).join(', ')}`);
  }
  lines.push(
    `  ${s.distinctStates} distinct states, ${s.transitions} transitions, depth reached ${s.depthReached}, ` +
      `${Math.round(s.statesPerSecond)} states/s, ${(s.elapsedMs / 1000).toFixed(2)} s, ${s.workers} worker(s), ` +
      `rss ${mib(s.memory.rssBytes)}, heap ${mib(s.memory.heapUsedBytes)}`,
  );
  return lines;
}

/**
 * A failure before a hazard: the shortest path to a failure if one is reachable within the bound, else the shortest
 * hazard. One exploration with every invariant decides it when nothing is violated (the same graph the failures and
 * the hazards would each explore) or when its first violating successor violates a failure (no failure is nearer:
 * it is also the first the failures alone meet; they are explored again so that the report names the failures
 * only). When that successor violates hazards only, a failure may still be reachable further on: the failures are
 * explored alone, and if none is reachable the result is the first exploration's, which is the hazards' alone (the
 * same successors up to the same first hazard, since no failure comes before it). `first` is the exploration that
 * decided about the failures; `proved`: every reachable state was checked (for a hazard: no failure is reachable).
 */
export async function failuresFirst(
  invs: readonly Invariant[],
  run: (only: readonly Invariant[]) => Promise<ExploreResult>,
): Promise<{ res: ExploreResult; first: ExploreResult; proved: boolean }> {
  const failures = invs.filter((i) => i.kind === 'failure');
  const hazards = invs.filter((i) => i.kind === 'hazard');
  const all = await run(failures.length && hazards.length ? [...failures, ...hazards] : failures.length ? failures : hazards);
  if (all.verdict !== 'violated' || !failures.length || !hazards.length) return { res: all, first: all, proved: all.verdict === 'holds' && all.complete };
  const first = await run(failures);
  if (first.verdict === 'violated') return { res: first, first, proved: false };
  return { res: all, first, proved: first.verdict === 'holds' && first.complete };
}

export function register(program: Command): void {
  const cmd = program
    .command('explore')
    .description('breadth-first search until the state graph is complete or --max-states (or within --depth steps), for a failure, then a hazard; exit 0 none or only hazards, 1 a failure (shortest counterexample; --fail-on hazard: a hazard too), 2 bad usage');
  cmd.option('--scenario <id>', `workload (default: ${DEFAULT_CONFIG.scenario})`);
  for (const c of CONFIG_COMPONENTS) cmd.option(`--${c} <id>`, `${c} variant (default: ${DEFAULT_CONFIG[c]})`);
  cmd
    .option('--depth <n>', 'largest number of steps (default: none, until the graph is complete or --max-states)', nat('--depth', 0))
    .option('--max-states <n>', `stop after this many distinct states (default: ${DEFAULT_MAX_STATES})`, nat('--max-states', 1))
    .option('--workers <n>', 'threads sharing each level once a level has 1,024 states: this one and n - 1 worker threads (default: 1)', nat('--workers', 1))
    .option('--invariant <name>', 'check only this invariant (repeatable)', collect)
    .option('--symmetry', 'store one state per pair that differs only by swapping the two devices (default where the two devices are interchangeable: nvme-hvm, nvme-msi-hvm, hostile-hvm; docs/performance.md)')
    .option('--no-symmetry', 'do not swap the devices')
    .option('--concrete', 'identify states by the whole concrete world: no renaming of irqs and ports, no projection, no device swap (docs/performance.md, "State identity")')
    .option('--fail-on <kind>', "exit 1 on a 'failure' (default) or also on a 'hazard'", parseFailOn)
    .option('--json', 'print one JSON object');
  addVariantFileOption(cmd).action(async (o: Record<string, unknown>) => {
      await applyVariantFileOption(o);
      let r: Resolved;
      let invs: readonly Invariant[];
      try {
        r = configOf(o);
        invs = invariantsOf(o['invariant'] as string[] | undefined);
        if (o['symmetry'] === true && process.argv.includes('--symmetry') && !hasDeviceSymmetry(r.scenario)) {
          throw new ConfigError(`--symmetry: the devices of scenario '${r.scenario.id}' are not interchangeable (it needs exactly two devices with the same parameters)`);
        }
      } catch (e) {
        if (e instanceof ConfigError) cmd.error(`error: ${e.message}`, { exitCode: 2, code: 'pirqcheck.usage' });
        throw e;
      }
      const depth = o['depth'] as number | undefined;
      const maxStates = (o['maxStates'] as number | undefined) ?? DEFAULT_MAX_STATES;
      const tty = !o['json'] && process.stderr.isTTY === true;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: 'explore |{bar}| {value}/{total} states | depth {depth} | {transitions} transitions | frontier {frontier}', stream: process.stderr, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      // --symmetry / --no-symmetry given: that; neither: the default (on where the devices are interchangeable).
      const given = process.argv.some((a) => a === '--symmetry' || a === '--no-symmetry');
      const symmetry = o['concrete'] ? false : given ? o['symmetry'] === true : undefined;
      const run = (only: readonly Invariant[]) => {
        bar?.start(maxStates, 1, { depth: 0, transitions: 0, frontier: 1 });
        return explore(r, {
          ...(depth !== undefined ? { depth } : {}),
          maxStates,
          workers: o['workers'] === undefined ? 1 : capWorkers(o['workers'] as number),
          ...(symmetry !== undefined ? { symmetry } : {}),
          ...(o['concrete'] ? { identity: CONCRETE } : {}),
          variantFiles: (o['variantFile'] as string[] | undefined) ?? [],
          invariants: only,
          ...(bar ? { onProgress: (p) => bar.update(p.distinctStates, { depth: p.depth, transitions: p.transitions, frontier: p.frontier }) } : {}),
        });
      };
      const { res, first, proved: provedAll } = await failuresFirst(invs, run);
      let proved = provedAll;
      bar?.stop();
      const outcome: Outcome = res.verdict === 'violated' && res.violation ? outcomeOf([res.violation.invariant]) : 'holds';
      if (outcome === 'fails' || (outcome === 'hazard' && !invs.some((i) => i.kind === 'failure'))) proved = false;
      if (o['json']) process.stdout.write(JSON.stringify({ ...(exploreJson(r, res) as object), outcome, proved, kind: res.violation ? kindOf(res.violation.invariant) : null }, null, 2) + '\n');
      else {
        const lines = formatExplore(r, res, outcome);
        if (outcome === 'hazard') {
          lines.splice(1, 0, `  no failure is reachable${proved ? ` in any state (complete graph of ${first.stats.distinctStates} states: proved)` : ` within ${first.stats.depthReached} steps (bounded)`}; the shortest hazard:`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      }
      process.exitCode = exitFor(outcome, (o['failOn'] as 'failure' | 'hazard' | undefined) ?? 'failure');
    });
}

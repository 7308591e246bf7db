/**
 * `pirqcheck explore`: exhaustive breadth-first search of one configuration up to a depth. Exit 0 when no
 * state within the bound violates an invariant (a bounded certificate, or a max-states stop without a
 * violation), 1 on a violation (the shortest counterexample is printed), 2 on bad usage.
 */
import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { CONFIG_COMPONENTS, ConfigError, DEFAULT_CONFIG, configLabel, resolveConfig, type Config, type Resolved } from '../../model/config.ts';
import { INVARIANTS, findInvariant, type Invariant } from '../../model/invariants.ts';
import { explore, type ExploreResult } from '../../checker/explore.ts';
import { hasDeviceSymmetry } from '../../checker/explore-symmetry.ts';
import { formatSteps, formatViolation } from '../../checker/format.ts';
import { jsonStep } from '../../checker/report-json.ts';
import { addVariantFileOption, applyVariantFileOption, capWorkers } from '../options.ts';

export const DEFAULT_DEPTH = 12;
export const DEFAULT_MAX_STATES = 500_000;

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
    depth: res.depth,
    complete: res.complete,
    symmetry: res.symmetry,
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

export function formatExplore(r: Resolved, res: ExploreResult): string[] {
  const s = res.stats;
  const head =
    res.verdict === 'violated' ? pc.red('violated') : res.verdict === 'holds' ? pc.green('holds') : pc.yellow('stopped');
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

export function register(program: Command): void {
  const cmd = program
    .command('explore')
    .description('breadth-first search of every state within --depth steps; exit 0 no violation, 1 violated (shortest counterexample), 2 bad usage');
  cmd.option('--scenario <id>', `workload (default: ${DEFAULT_CONFIG.scenario})`);
  for (const c of CONFIG_COMPONENTS) cmd.option(`--${c} <id>`, `${c} variant (default: ${DEFAULT_CONFIG[c]})`);
  cmd
    .option('--depth <n>', `largest number of steps (default: ${DEFAULT_DEPTH})`, nat('--depth', 0))
    .option('--max-states <n>', `stop after this many distinct states (default: ${DEFAULT_MAX_STATES})`, nat('--max-states', 1))
    .option('--workers <n>', 'threads sharing each level once a level has 1,024 states: this one and n - 1 worker threads (default: 1)', nat('--workers', 1))
    .option('--invariant <name>', 'check only this invariant (repeatable)', collect)
    .option('--symmetry', 'store one state per pair that differs only by swapping the two devices (two-device scenarios; docs/performance.md)')
    .option('--json', 'print one JSON object');
  addVariantFileOption(cmd).action(async (o: Record<string, unknown>) => {
      await applyVariantFileOption(o);
      let r: Resolved;
      let invs: readonly Invariant[];
      try {
        r = configOf(o);
        invs = invariantsOf(o['invariant'] as string[] | undefined);
        if (o['symmetry'] && !hasDeviceSymmetry(r.scenario)) {
          throw new ConfigError(`--symmetry: the devices of scenario '${r.scenario.id}' are not interchangeable (it needs exactly two devices with the same parameters)`);
        }
      } catch (e) {
        if (e instanceof ConfigError) cmd.error(`error: ${e.message}`, { exitCode: 2, code: 'pirqcheck.usage' });
        throw e;
      }
      const depth = (o['depth'] as number | undefined) ?? DEFAULT_DEPTH;
      const tty = !o['json'] && process.stderr.isTTY === true;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: 'explore |{bar}| depth {value}/{total} | {states} states | {transitions} transitions | frontier {frontier}', stream: process.stderr, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
      bar?.start(depth, 0, { states: 1, transitions: 0, frontier: 1 });
      const res = await explore(r, {
        depth,
        maxStates: (o['maxStates'] as number | undefined) ?? DEFAULT_MAX_STATES,
        workers: o['workers'] === undefined ? 1 : capWorkers(o['workers'] as number),
        symmetry: o['symmetry'] === true,
        variantFiles: (o['variantFile'] as string[] | undefined) ?? [],
        invariants: invs,
        ...(bar ? { onProgress: (p) => bar.update(p.depth, { states: p.distinctStates, transitions: p.transitions, frontier: p.frontier }) } : {}),
      });
      bar?.stop();
      if (o['json']) process.stdout.write(JSON.stringify(exploreJson(r, res), null, 2) + '\n');
      else process.stdout.write(formatExplore(r, res).join('\n') + '\n');
      process.exitCode = res.verdict === 'violated' ? 1 : 0;
    });
}

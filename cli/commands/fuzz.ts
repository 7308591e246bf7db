/**
 * `pirqcheck fuzz`: time-boxed random search over every matrix configuration with fresh seeds, for the
 * nightly CI tier. Shard I of N takes the seeds base+I-1, base+I-1+N, ...; a violation the committed corpus
 * (counterexamples/expectations.json) does not already record is printed with its seed and written as a
 * trace (<name>.json, the format of checker/trace.ts, for `pirqcheck replay`) and a Markdown report
 * (<name>.md), under a name that does not exist yet.
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { CONFIG_COMPONENTS, configLabel, resolveConfig, type Config } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { matrixConfigs } from '../../checker/matrix.ts';
import { search, DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { serializeTrace, traceFromSearch } from '../../checker/trace.ts';
import { markdownReport, traceName } from '../../checker/report.ts';
import { ReportFileError, checkReportDir, displayPath } from '../../checker/report-files.ts';
import { configKey, EXPECTATIONS_FILE, readExpectations } from '../../counterexamples/corpus.ts';
import { PACKAGE_CORPUS_DIR } from '../../api/corpus-replay.ts';
import { checkJunitPath, writeJunitFile } from '../junit-file.ts';
import { INTERRUPTED_EXIT, interruptible, progress, yieldToSignals } from '../progress.ts';
import { junitXml, type VerdictCell } from '../../checker/junit.ts';
import type { TraceStep } from '../../checker/run.ts';
import { UsageError, parseMinutes, parseNat, parseSeed, parseShard } from '../options.ts';

const SEED_MOD = 2 ** 31;

/** The seed of iteration `iter` (0-based) of shard `index` of `count`. */
export function fuzzSeed(base: number, index: number, count: number, iter: number): number {
  return (base + (index - 1) + iter * count) % SEED_MOD;
}

function checkCommand(c: Config, seed: number, runs: number, maxSteps: number): string {
  return `pirqcheck check --scenario ${c.scenario} ${CONFIG_COMPONENTS.map((k) => `--${k} ${c[k]}`).join(' ')} --seed ${seed} --runs ${runs} --max-steps ${maxSteps}`;
}

/** A stem in dir for which neither <stem>.json nor <stem>.md exists yet: never overwrite. */
function freshStem(dir: string, stem: string): string {
  const taken = (s: string) => existsSync(join(dir, `${s}.json`)) || existsSync(join(dir, `${s}.md`));
  let s = stem;
  for (let i = 2; taken(s); i++) s = `${stem}-${i}`;
  return join(dir, s);
}

/**
 * Invariants the committed corpus records as violated, per configuration, by either engine: the pinned-seed
 * search (`verdicts`) or the matrix's breadth-first exploration (`explore.violated`, what `npm start` shows
 * as "explore: n"). Those are not news.
 */
export function knownViolations(dir: string = PACKAGE_CORPUS_DIR): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (!existsSync(join(dir, EXPECTATIONS_FILE))) return out;
  for (const row of readExpectations(dir).configurations) {
    const known = new Set(Object.entries(row.verdicts).filter(([, v]) => v === 'violated').map(([k]) => k));
    for (const k of Object.keys(row.explore?.violated ?? {})) known.add(k);
    out.set(configKey(row.config), known);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('fuzz')
    .description('time-boxed random search of every matrix configuration with fresh seeds; writes each violation the corpus does not record as a trace and a Markdown report; exit 1 if there is any')
    .requiredOption('--minutes <m>', 'how long to search (fractions allowed, e.g. 0.5)', parseMinutes('--minutes'))
    .option('--shard <I/N>', 'this job is shard I of N (default: 1/1)', parseShard('--shard'))
    .option('--out <dir>', 'where findings are written (default: fuzz-out)')
    .option('--base-seed <n>', 'base seed (default: random, printed)', parseSeed('--base-seed'))
    .option('--runs <n>', 'random runs per search (default: 100)', parseNat('--runs', 1))
    .option('--include-known', 'also write violations the committed corpus already records (counterexamples/expectations.json)')
    .option('--max-steps <n>', `longest run (default: ${DEFAULT_MAX_STEPS})`, parseNat('--max-steps', 1))
    .option('--junit <file>', 'also write a JUnit report: one test case per configuration and invariant, failing on a violation counterexamples/expectations.json does not record')
    .addHelpText('after', '\nExample (CI nightly, job 2 of 4):\n  pirqcheck fuzz --minutes 20 --shard 2/4 --out fuzz-out')
    .action(async (o: { minutes: number; shard?: { index: number; count: number }; out?: string; baseSeed?: number; runs?: number; maxSteps?: number; includeKnown?: boolean; junit?: string }) => {
      if (o.junit !== undefined) checkJunitPath(o.junit);
      const shard = o.shard ?? { index: 1, count: 1 };
      const out = o.out ?? 'fuzz-out';
      if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out '${out}' is not a directory`);
      try {
        checkReportDir(out, '--out');
      } catch (e) {
        if (e instanceof ReportFileError) throw new UsageError(e.message);
        throw e;
      }
      try {
        mkdirSync(out, { recursive: true });
      } catch (e) {
        throw new UsageError(`cannot create --out directory '${out}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
      }
      const base = o.baseSeed ?? randomInt(0, SEED_MOD);
      const runs = o.runs ?? 100;
      const maxSteps = o.maxSteps ?? DEFAULT_MAX_STEPS;
      const configs = matrixConfigs();
      process.stdout.write(`fuzz: base seed ${base}, shard ${shard.index}/${shard.count}, ${o.minutes} minute(s), ${configs.length} configurations, ${runs} runs per search; findings in ${out}/\n`);
      process.stdout.write(`  rerun this shard: pirqcheck fuzz --minutes ${o.minutes} --shard ${shard.index}/${shard.count} --base-seed ${base} --runs ${runs}\n`);
      // What the committed corpus records (pinned-seed search or exploration) is expected; only other invariants are searched.
      const known = o.includeKnown ? new Map<string, Set<string>>() : knownViolations();
      const expected = configs.map((c) => known.get(configKey(c)) ?? new Set<string>());
      const started = Date.now();
      const deadline = started + o.minutes * 60_000;
      let iter = 0;
      let findings = 0;
      let runsDone = 0;
      const found = new Set<string>();
      /** Per configuration and invariant: the finding (seed and steps), for --junit. */
      const results = new Map<string, { seed: number; steps: readonly TraceStep[] }>();
      const bar = progress('fuzz', 's', Math.ceil(o.minutes * 60));
      const stop = interruptible(() => bar.stop());
      while (Date.now() < deadline) {
        await yieldToSignals();
        if (stop.requested) break;
        bar.update(Math.floor((Date.now() - started) / 1000), { runs: runsDone, note: `${iter} searches, ${findings} finding(s)` });
        const i = iter % configs.length;
        const config = configs[i]!;
        const seed = fuzzSeed(base, shard.index, shard.count, iter);
        iter++;
        const invs = INVARIANTS.filter((inv) => !expected[i]!.has(inv.name) && !found.has(`${i}:${inv.name}`));
        if (invs.length === 0) continue;
        const res = search(resolveConfig(config), { seed, runs, maxSteps, invariants: invs });
        runsDone += res.runsExecuted;
        if (res.verdict === 'holds' || !res.violation) continue;
        findings++;
        found.add(`${i}:${res.violation.invariant}`);
        results.set(`${i}:${res.violation.invariant}`, { seed, steps: res.steps ?? [] });
        bar.stop();
        // The search checked `invs`; the same list reproduces the same run.
        const cmd = checkCommand(config, seed, runs, maxSteps) + (invs.length === INVARIANTS.length ? '' : invs.map((x) => ` --invariant ${x.name}`).join(''));
        const trace = traceFromSearch(config, res, { maxSteps, invariants: invs.map((x) => x.name) })!;
        const stem = freshStem(out, `${traceName(trace)}--seed${seed}`);
        const tracePath = displayPath(`${stem}.json`);
        writeFileSync(`${stem}.json`, serializeTrace(trace), { flag: 'wx' });
        writeFileSync(`${stem}.md`, markdownReport(trace, { tracePath }), { flag: 'wx' });
        process.stdout.write(
          `${pc.red(o.includeKnown ? 'violation' : 'unexpected violation')} ${res.violation.invariant}  ${configLabel(config)}  seed ${seed}\n  ${res.violation.evidence.text}\n  written: ${tracePath} and ${displayPath(`${stem}.md`)}\n  replay: pirqcheck replay ${tracePath}\n  reproduce: ${cmd}\n`,
        );
      }
      bar.stop();
      stop.release();
      const what = o.includeKnown ? 'violation(s)' : 'unexpected violation(s)';
      if (stop.requested) process.stdout.write(`fuzz: interrupted after ${((Date.now() - started) / 1000).toFixed(0)} s of ${o.minutes * 60} s\n`);
      process.stdout.write(`fuzz: ${iter} searches, ${findings} ${what}; base seed ${base}\n`);
      if (o.junit !== undefined) {
        const cells: VerdictCell[] = [];
        configs.forEach((config, i) => {
          for (const inv of INVARIANTS) {
            const r = results.get(`${i}:${inv.name}`);
            const known = expected[i]!.has(inv.name);
            cells.push({
              config,
              label: '',
              invariant: inv.name,
              search: known
                ? null
                : { verdict: r ? 'violated' : 'holds', steps: r?.steps ?? null, params: { seed: r?.seed ?? base, runs, maxSteps }, runsExecuted: 0 },
            });
          }
        });
        const exp = existsSync(join(PACKAGE_CORPUS_DIR, EXPECTATIONS_FILE)) ? readExpectations(PACKAGE_CORPUS_DIR) : null;
        const { xml, summary } = junitXml(cells, exp, { name: `pirqcheck fuzz shard ${shard.index}/${shard.count}, base seed ${base}`, corpusPath: PACKAGE_CORPUS_DIR, mode: 'new-violations' });
        writeJunitFile(o.junit, xml);
        process.stdout.write(`wrote ${o.junit}: ${summary.tests} cases, ${summary.failures} failed, ${summary.skipped} skipped (recorded in expectations.json)\n`);
      }
      process.exitCode = stop.requested ? INTERRUPTED_EXIT : findings > 0 ? 1 : 0;
    });
}

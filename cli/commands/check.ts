import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { configLabel } from '../../model/config.ts';
import { search, DEFAULT_MAX_STEPS } from '../../checker/search.ts';
import { formatSteps, formatViolation } from '../../checker/format.ts';
import { checkJson, neverRan } from '../../checker/report-json.ts';
import { traceFromSearch } from '../../checker/trace.ts';
import { terminalReport } from '../../checker/report.ts';
import { ReportFileError, checkReportDir, existingReportFiles, reportPaths, writeReport, type WrittenReport } from '../../checker/report-files.ts';
import { runFixReport } from './fix-report.ts';
import { join } from 'node:path';
import { matrixRow } from '../../checker/matrix.ts';
import { cellsFromMatrix, junitXml } from '../../checker/junit.ts';
import { EXPECTATIONS_FILE, readExpectations } from '../../counterexamples/corpus.ts';
import { PACKAGE_CORPUS_DIR } from '../../api/corpus-replay.ts';
import { checkJunitPath, writeJunitFile } from '../junit-file.ts';
import { INTERRUPTED_EXIT, interruptible, progress } from '../progress.ts';
import { stateWorker } from '../../checker/worker-heap.ts';
import type { SearchResult } from '../../checker/search.ts';
import type { SearchWorkerInit } from '../../checker/search-worker.ts';

/** search() on a worker thread; Ctrl-C ends it and says how far it got. */
function searchOnWorker(init: SearchWorkerInit, onRun: (n: number, failing: boolean) => void): Promise<SearchResult | { interrupted: true; runs: number; failing: boolean }> {
  return new Promise((resolve, reject) => {
    const w = stateWorker(new URL('../../checker/search-worker-boot.mjs', import.meta.url), { workerData: init });
    let runs = 0;
    let failing = false;
    let settled = false;
    const stop = interruptible(() => {
      // Progress the worker posted before terminate() took effect is still delivered: it must not reach
      // onRun, which would draw the stopped progress line again and keep the process alive on its timer.
      settled = true;
      void w.terminate();
      stop.release();
      resolve({ interrupted: true, runs, failing });
    });
    w.on('message', (m: { kind: 'run'; n: number } | { kind: 'failure' } | { kind: 'done'; res: SearchResult }) => {
      if (settled) return;
      if (m.kind === 'run') onRun((runs = m.n), failing);
      else if (m.kind === 'failure') failing = true;
      else {
        settled = true;
        stop.release();
        void w.terminate();
        resolve(m.res);
      }
    });
    w.on('error', (e) => {
      stop.release();
      reject(e);
    });
  });
}
import { CONFIG_COMPONENTS } from '../../model/config.ts';
import { addConfigOptions, addVariantFileOption, applyVariantFileOption, collect, configFromOptions, invariantsFromOptions, parseFailOn, parseNat, parseSeed, UsageError, DEFAULT_RUNS, DEFAULT_SEED } from '../options.ts';
import { exitFor, kindOf, outcomeOf, type Outcome } from '../../checker/outcome.ts';
import type { Invariant } from '../../model/invariants.ts';

export function register(program: Command): void {
  const cmd = program
    .command('check')
    .description('search one configuration for a failure, then a hazard, among every invariant (or the named ones); exit 0 holds or only hazards, 1 a failure (--fail-on hazard: or a hazard), 2 bad usage');
  addConfigOptions(cmd)
    .option('--invariant <name>', 'check only this invariant (repeatable)', collect)
    .option('--seed <n>', `random seed (default: ${DEFAULT_SEED})`, parseSeed('--seed'))
    .option('--runs <n>', `random runs (default: ${DEFAULT_RUNS})`, parseNat('--runs', 1))
    .option('--max-steps <n>', `longest run (default: ${DEFAULT_MAX_STEPS})`, parseNat('--max-steps', 1))
    .option('--json', 'print one JSON object')
    .option('--report <dir>', 'write the counterexample as <dir>/<name>.json (trace) and <dir>/<name>.md (report)')
    .option('--force', 'with --report: overwrite existing files')
    .option('--fail-on <kind>', "exit 1 on a 'failure' (default) or also on a 'hazard'", parseFailOn)
    .option('--all-variants', 'with --variant-file: compare in every built-in variant of the other components, not only the matrix configurations')
    .option('--workers <n>', 'with --variant-file: worker threads (default: the number of CPUs)', parseNat('--workers', 1))
    .option('--junit <file>', 'also write a JUnit report: one test case per invariant, each searched alone, failing where the verdict differs from counterexamples/expectations.json')
    .option('--corpus <dir>', 'with --variant-file: the counterexample corpus to replay the fix against (default: the counterexamples/ shipped with pirqcheck)');
  addVariantFileOption(cmd)
    .addHelpText(
      'after',
      `
With --variant-file F and no --<component> option for F's component, check compares the fix in F with its
base variant in every matrix configuration that uses the base (every variant of the other components with
--all-variants or when one is given), searching and exploring each, and leaves out the configurations whose
runs never read a flag the fix changes. It prints a three-line summary (failures removed, failures
introduced with the command that prints each counterexample, hazards changed), what it FIXES and BREAKS,
then replays every counterexample of the corpus whose configuration uses the base with the fix swapped in:
a known bug is fixed when its recorded invariant holds on its steps (what else fails there is listed by
kind). It exits 1 when the fix introduces a failure (--fail-on hazard: a hazard too). Select it by id
(e.g. --guest my-fix) to search that one configuration instead.

Examples:
  pirqcheck check --guest fresh-pirq --qemu keep-pirqs
  pirqcheck check --variant-file examples/fresh-pirq-fix.ts
  pirqcheck check --variant-file examples/fresh-pirq-fix.ts --qemu keep-pirqs --runs 100
  pirqcheck check --variant-file examples/xen-reset-msix-on-assign.ts --scenario reboot-hvm --dom0 pvops`,
    )
    .action(async (o: Record<string, unknown>) => {
      const loaded = await applyVariantFileOption(o);
      const corpusDir = o['corpus'] as string | undefined;
      if (corpusDir !== undefined) {
        if (loaded.length === 0) throw new UsageError('--corpus only applies with --variant-file');
        if (!existsSync(corpusDir) || !statSync(corpusDir).isDirectory()) throw new UsageError(`--corpus '${corpusDir}' is not a directory`);
      }
      if (loaded.length > 0 && loaded.some((v) => typeof o[v.component] !== 'string')) {
        if (o['junit'] !== undefined) throw new UsageError('--junit applies to a search of one configuration (select the fix by id, e.g. --' + loaded[0]!.component + ' ' + loaded[0]!.id + ')');
        const pinned: Record<string, string> = {};
        for (const c of CONFIG_COMPONENTS) if (typeof o[c] === 'string') pinned[c] = o[c];
        if (typeof o['scenario'] === 'string') pinned['scenario'] = o['scenario'];
        for (const v of loaded) configFromOptions({ ...o, [v.component]: v.id });
        process.exitCode = await runFixReport({
          seed: (o['seed'] as number | undefined) ?? DEFAULT_SEED,
          runs: (o['runs'] as number | undefined) ?? DEFAULT_RUNS,
          maxSteps: (o['maxSteps'] as number | undefined) ?? DEFAULT_MAX_STEPS,
          pinned,
          json: o['json'] === true,
          allVariants: o['allVariants'] === true,
          failOn: (o['failOn'] as 'failure' | 'hazard' | undefined) ?? 'failure',
          ...(typeof o['workers'] === 'number' ? { workers: o['workers'] } : {}),
          ...(corpusDir === undefined ? {} : { corpusDir }),
        });
        return;
      }
      const r = configFromOptions(o);
      const invs = invariantsFromOptions(o['invariant'] as string[] | undefined);
      const seed = (o['seed'] as number | undefined) ?? DEFAULT_SEED;
      const runs = (o['runs'] as number | undefined) ?? DEFAULT_RUNS;
      const maxSteps = (o['maxSteps'] as number | undefined) ?? DEFAULT_MAX_STEPS;
      const reportDir = o['report'] as string | undefined;
      if (o['force'] && reportDir === undefined) throw new UsageError('--force only applies with --report DIR');
      const junit = o['junit'] as string | undefined;
      if (junit !== undefined) checkJunitPath(junit);
      if (reportDir !== undefined) {
        try {
          checkReportDir(reportDir);
        } catch (e) {
          if (e instanceof ReportFileError) throw new UsageError(e.message);
          throw e;
        }
      }
      /** One search of `only`; null when Ctrl-C stopped it (what was found so far is printed). */
      const searchOf = async (only: readonly Invariant[]): Promise<SearchResult | null> => {
        const bar = progress('check', 'runs', runs, { enabled: o['json'] !== true });
        if (!bar.shown) return search(r, { seed, runs, maxSteps, invariants: only });
        // On a terminal the search runs on a worker thread: progress, and Ctrl-C with what was found so far.
        const out = await searchOnWorker(
          { config: r.config, seed, runs, maxSteps, invariants: only.map((i) => i.name), variantFiles: (o['variantFile'] as string[] | undefined) ?? [] },
          (n, failing) => bar.update(n, failing ? { note: 'violated, shrinking' } : {}),
        );
        bar.stop();
        if ('interrupted' in out) {
          process.stdout.write(
            out.failing
              ? `interrupted: a run of the first ${out.runs} violated an invariant; stopped while shrinking it (run again without interrupting to see the counterexample)\n`
              : `interrupted: ${only.length} invariant(s) held in the ${out.runs} of ${runs} runs done (seed ${seed}); no violation found so far\n`,
          );
          process.exitCode = INTERRUPTED_EXIT;
          return null;
        }
        return out;
      };
      // Failures first: a hazard is printed only when no failure of the selected invariants is found.
      const failures = invs.filter((i) => i.kind === 'failure');
      const hazards = invs.filter((i) => i.kind === 'hazard');
      let searched: readonly Invariant[] = failures.length ? failures : hazards;
      const first = await searchOf(searched);
      if (!first) return;
      let res: SearchResult = first;
      if (res.verdict === 'holds' && failures.length && hazards.length) {
        const h = await searchOf(hazards);
        if (!h) return;
        if (h.verdict === 'violated') {
          res = h;
          searched = hazards;
        }
      }
      const outcome: Outcome = res.verdict === 'holds' ? 'holds' : outcomeOf([res.violation!.invariant]);
      if (junit !== undefined) {
        // Every invariant's own verdict (the matrix's exclusion loop), not only the first one violated.
        const p = { seed, runs, maxSteps };
        const row = matrixRow({ config: r.config, label: '' }, p, invs);
        const exp = existsSync(join(PACKAGE_CORPUS_DIR, EXPECTATIONS_FILE)) ? readExpectations(PACKAGE_CORPUS_DIR) : null;
        const extra = loaded.map((v) => `--variant-file ${v.file}`).join(' ');
        const { xml, summary } = junitXml(cellsFromMatrix([row], p), exp, { name: 'pirqcheck check', corpusPath: PACKAGE_CORPUS_DIR, ...(extra ? { extraArgs: extra } : {}) });
        writeJunitFile(junit, xml);
        process.stderr.write(`wrote ${junit}: ${summary.tests} cases, ${summary.failures} differ from expectations.json\n`);
      }
      const trace = traceFromSearch(r.config, res, { maxSteps, invariants: searched.map((i) => i.name) });
      let written: WrittenReport | null = null;
      /** Why the report was not written (an existing report without --force): said after the counterexample. */
      let notWritten: string | null = null;
      if (trace && reportDir !== undefined) {
        const existing = o['force'] === true ? [] : existingReportFiles(reportDir, trace);
        if (existing.length) notWritten = `not written: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''} (the counterexample is above; --force overwrites)`;
        else {
          try {
            written = writeReport(reportDir, trace, { force: o['force'] === true });
          } catch (e) {
            if (e instanceof ReportFileError) throw new UsageError(e.message);
            throw e;
          }
        }
      }
      const never = neverRan(res.coverage);
      if (o['json']) {
        const out = {
          ...checkJson(r.config, res),
          outcome,
          proved: false,
          kind: res.violation ? kindOf(res.violation.invariant) : null,
          report: written ? { json: written.json, md: written.md } : null,
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else if (res.verdict === 'holds') {
        process.stdout.write(`${pc.green('holds, bounded')}  ${configLabel(r.config)}\n  ${invs.length} invariant(s) held in ${res.runsExecuted} runs of up to ${maxSteps} steps (seed ${seed})\n  never ran: ${never.length ? never.join(', ') : '(none)'}\n`);
      } else {
        const head = outcome === 'fails' ? pc.red('fails') : pc.yellow('hazard');
        const lines = [
          `${head}  ${configLabel(r.config)}  (seed ${seed}, found in run ${res.runsExecuted}, shrunk to ${res.steps?.length ?? 0} steps)`,
        ];
        if (outcome === 'hazard') lines.push(pc.dim(`no failure found among ${failures.length ? failures.map((i) => i.name).join(', ') : 'the selected invariants (none is a failure)'}; this is a hazard: components disagree, nothing observes it yet`));
        if (trace) {
          const shown = written ?? (reportDir === undefined ? null : reportPaths(reportDir, trace));
          lines.push(terminalReport(trace, shown ? { tracePath: shown.tracePath } : {}));
        } else {
          lines.push(...formatSteps(res.steps ?? []), ...formatViolation(res.violation!));
        }
        if (res.alsoViolated.length > 1) lines.push(`also violated at that step: ${res.alsoViolated.filter((n) => n !== res.violation!.invariant).join(', ')}`);
        lines.push(`never ran (in ${res.runsExecuted} runs before the violation): ${never.length ? never.join(', ') : '(none)'}`);
        if (written) lines.push(`wrote ${written.json} and ${written.md}`);
        else if (!notWritten) lines.push(pc.dim('keep it: add --report DIR to write the trace and a Markdown report'));
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (notWritten) process.stderr.write(`pirqcheck: ${notWritten}\n`);
      // A report that was asked for and not written is an exit 1 whatever the outcome (the user's files are kept).
      process.exitCode = notWritten ? 1 : exitFor(outcome, (o['failOn'] as 'failure' | 'hazard' | undefined) ?? 'failure');
    });
}

/**
 * `pirqcheck fuzz`: time-boxed random search over every matrix configuration with fresh seeds, for the
 * nightly CI tier. Shard I of N takes the seeds base+I-1, base+I-1+N, ...; every finding is printed with
 * its seed and written as JSON, so `pirqcheck check ... --seed S` reproduces it.
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
import { checkJson } from '../../checker/report-json.ts';
import { violatedInvariants } from '../../api/compare.ts';
import { DEFAULT_RUNS, DEFAULT_SEED, UsageError, parseMinutes, parseNat, parseShard } from '../options.ts';

const SEED_MOD = 2 ** 31;

/** The seed of iteration `iter` (0-based) of shard `index` of `count`. */
export function fuzzSeed(base: number, index: number, count: number, iter: number): number {
  return (base + (index - 1) + iter * count) % SEED_MOD;
}

function checkCommand(c: Config, seed: number, runs: number, maxSteps: number): string {
  return `pirqcheck check --scenario ${c.scenario} ${CONFIG_COMPONENTS.map((k) => `--${k} ${c[k]}`).join(' ')} --seed ${seed} --runs ${runs} --max-steps ${maxSteps}`;
}

/** A file name in dir that does not exist yet: never overwrite. */
function freshPath(dir: string, stem: string, ext: string): string {
  let p = join(dir, `${stem}${ext}`);
  for (let i = 2; existsSync(p); i++) p = join(dir, `${stem}-${i}${ext}`);
  return p;
}

export function register(program: Command): void {
  program
    .command('fuzz')
    .description('time-boxed random search of every matrix configuration with fresh seeds; exit 1 on any violation not found by the pinned-seed matrix')
    .requiredOption('--minutes <m>', 'how long to search (fractions allowed, e.g. 0.5)', parseMinutes('--minutes'))
    .option('--shard <I/N>', 'this job is shard I of N (default: 1/1)', parseShard('--shard'))
    .option('--out <dir>', 'where findings are written (default: fuzz-out)')
    .option('--base-seed <n>', 'base seed (default: random, printed)', parseNat('--base-seed'))
    .option('--runs <n>', 'random runs per search (default: 100)', parseNat('--runs', 1))
    .option('--max-steps <n>', `longest run (default: ${DEFAULT_MAX_STEPS})`, parseNat('--max-steps', 1))
    .addHelpText('after', '\nExample (CI nightly, job 2 of 4):\n  pirqcheck fuzz --minutes 20 --shard 2/4 --out fuzz-out')
    .action((o: { minutes: number; shard?: { index: number; count: number }; out?: string; baseSeed?: number; runs?: number; maxSteps?: number }) => {
      const shard = o.shard ?? { index: 1, count: 1 };
      const out = o.out ?? 'fuzz-out';
      if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out '${out}' is not a directory`);
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
      // What the pinned-seed search already finds is expected; only other invariants are searched. The
      // time box starts after this baseline.
      const expected = configs.map((c) => new Set(violatedInvariants(c, INVARIANTS, { seed: DEFAULT_SEED, runs: DEFAULT_RUNS, maxSteps }).keys()));
      const deadline = Date.now() + o.minutes * 60_000;
      let iter = 0;
      let findings = 0;
      const found = new Set<string>();
      while (Date.now() < deadline) {
        const i = iter % configs.length;
        const config = configs[i]!;
        const seed = fuzzSeed(base, shard.index, shard.count, iter);
        iter++;
        const invs = INVARIANTS.filter((inv) => !expected[i]!.has(inv.name) && !found.has(`${i}:${inv.name}`));
        if (invs.length === 0) continue;
        const res = search(resolveConfig(config), { seed, runs, maxSteps, invariants: invs });
        if (res.verdict === 'holds' || !res.violation) continue;
        findings++;
        found.add(`${i}:${res.violation.invariant}`);
        const cmd = checkCommand(config, seed, runs, maxSteps) + ` --invariant ${res.violation.invariant}`;
        const file = freshPath(out, `${config.scenario}-${CONFIG_COMPONENTS.map((k) => config[k]).join('-')}-${res.violation.invariant}-seed${seed}`, '.json');
        writeFileSync(file, JSON.stringify({ reproduce: cmd, baseSeed: base, shard: `${shard.index}/${shard.count}`, iteration: iter - 1, ...checkJson(config, res) }, null, 2) + '\n', { flag: 'wx' });
        process.stdout.write(`${pc.red('unexpected violation')} ${res.violation.invariant}  ${configLabel(config)}  seed ${seed}\n  ${res.violation.evidence.text}\n  written: ${file}\n  reproduce: ${cmd}\n`);
      }
      process.stdout.write(`fuzz: ${iter} searches, ${findings} unexpected violation(s); base seed ${base}\n`);
      process.exitCode = findings > 0 ? 1 : 0;
    });
}

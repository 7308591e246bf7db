/** Shared option parsing for the pirqcheck commands: numbers, ids, and the usage error type. */
import { InvalidArgumentError, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { CONFIG_COMPONENTS, DEFAULT_CONFIG, ConfigError, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, findInvariant, type Invariant } from '../model/invariants.ts';
import { loadVariantFile, VariantFileError, type LoadedVariant } from '../api/load.ts';

/** A problem with what the user gave: printed as one line, exit status 2. */
export class UsageError extends Error {}

export function parseNat(name: string, min = 0) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a whole number, got '${v}'`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got '${v}'`);
    return n;
  };
}

/** Largest seed: fast-check seeds are 32-bit; a larger one would be silently truncated. */
export const MAX_SEED = 2 ** 32 - 1;

/** Parse a seed: a whole number from 0 to 2^32-1. */
export function parseSeed(name: string) {
  const nat = parseNat(name);
  return (v: string): number => {
    const n = nat(v);
    if (n > MAX_SEED) throw new InvalidArgumentError(`${name} must be at most ${MAX_SEED} (2^32-1), got '${v}'`);
    return n;
  };
}

/**
 * Worker threads to use: the given number, capped at the number of CPUs (more only adds threads competing
 * for the same cores and the memory of a model copy each), with a one-line warning when capped.
 */
export function capWorkers(n: number | undefined, cpus: number = availableParallelism()): number {
  if (n === undefined) return cpus;
  if (n > cpus) {
    process.stderr.write(`pirqcheck: warning: --workers ${n} is more than the ${cpus} CPU(s) here; using ${cpus}\n`);
    return cpus;
  }
  return n;
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Add --scenario and one --<component> option per configurable component. */
export function addConfigOptions(cmd: Command): Command {
  cmd.option('--scenario <id>', `workload (default: ${DEFAULT_CONFIG.scenario})`);
  for (const c of CONFIG_COMPONENTS) cmd.option(`--${c} <id>`, `${c} variant (default: ${DEFAULT_CONFIG[c]})`);
  return cmd;
}

export function configFromOptions(o: Record<string, unknown>): Resolved {
  const cfg: Record<string, string> = { ...DEFAULT_CONFIG };
  if (typeof o['scenario'] === 'string') cfg['scenario'] = o['scenario'];
  for (const c of CONFIG_COMPONENTS) if (typeof o[c] === 'string') cfg[c] = o[c];
  try {
    return resolveConfig(cfg as unknown as Config);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

export function invariantsFromOptions(names: readonly string[] | undefined): readonly Invariant[] {
  if (!names || names.length === 0) return INVARIANTS;
  return names.map((n) => {
    const inv = findInvariant(n);
    if (!inv) throw new UsageError(`unknown invariant '${n}' (valid: ${INVARIANTS.map((i) => i.name).join(', ')})`);
    return inv;
  });
}

export const DEFAULT_SEED = 1;
export const DEFAULT_RUNS = 300;

/** Add `--variant-file <path>` (repeatable): a variant of your own, see docs/writing-a-fix.md. */
export function addVariantFileOption(cmd: Command): Command {
  return cmd.option('--variant-file <path>', 'load a variant of your own from a .ts or .js file, then select it by its id (repeatable; see docs/writing-a-fix.md)', collect);
}

/** Load and register every `--variant-file` given; a bad file is a UsageError. Call before configFromOptions. */
export async function applyVariantFileOption(o: Record<string, unknown>): Promise<LoadedVariant[]> {
  const files = (o['variantFile'] as string[] | undefined) ?? [];
  const out: LoadedVariant[] = [];
  for (const f of files) {
    try {
      out.push(await loadVariantFile(f));
    } catch (e) {
      if (e instanceof VariantFileError) throw new UsageError(e.message, { cause: e.cause ?? e });
      throw e;
    }
  }
  return out;
}

/** Parse a positive number of minutes; fractions allowed (`0.5`). */
export function parseMinutes(name: string) {
  return (v: string): number => {
    const n = /^\d+(\.\d+)?$|^\.\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of minutes, got '${v}'`);
    return n;
  };
}

/** Parse `I/N` with 1 <= I <= N. */
export function parseShard(name: string) {
  return (v: string): { index: number; count: number } => {
    const m = /^(\d+)\/(\d+)$/.exec(v);
    const index = m ? Number(m[1]) : NaN;
    const count = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
      throw new InvalidArgumentError(`${name} must be I/N with 1 <= I <= N, got '${v}'`);
    }
    return { index, count };
  };
}

/** `--fail-on failure|hazard`: which outcome makes check and explore exit 1 (default: a failure only). */
export function parseFailOn(v: string): 'failure' | 'hazard' {
  if (v !== 'failure' && v !== 'hazard') throw new InvalidArgumentError(`--fail-on must be 'failure' or 'hazard', got '${v}'`);
  return v;
}

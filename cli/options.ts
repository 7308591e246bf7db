/** Shared option parsing for the pirqcheck commands: numbers, ids, and the usage error type. */
import { InvalidArgumentError, type Command } from 'commander';
import { CONFIG_COMPONENTS, DEFAULT_CONFIG, ConfigError, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, findInvariant, type Invariant } from '../model/invariants.ts';

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

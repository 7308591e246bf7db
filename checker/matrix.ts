/**
 * The matrix: every historical configuration against every invariant. The list below says which
 * configurations exist; the verdicts come from search.
 */
import type { Config } from '../model/config.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { search, DEFAULT_MAX_STEPS, type SearchResult } from './search.ts';
import { checkJson, type CheckJson } from './report-json.ts';

/** Seed 001's 2x2 of guest kernel and QEMU, with the 2.6.39-4.10 kernel as a third row, in both interrupt modes. */
export function matrixConfigs(): Config[] {
  const out: Config[] = [];
  for (const scenario of ['nvme-hvm', 'nvme-msi-hvm']) {
    for (const guest of ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq']) {
      for (const qemu of ['keep-pirqs', 'unmap-on-disable']) {
        out.push({ scenario, guest, qemu, xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack });
      }
    }
  }
  return out;
}

export interface MatrixRow {
  readonly config: Config;
  readonly result: SearchResult;
}

export function runMatrix(opts: { seed: number; runs: number; maxSteps?: number }, onRow?: (row: MatrixRow, i: number, n: number) => void): MatrixRow[] {
  const cfgs = matrixConfigs();
  return cfgs.map((config, i) => {
    const result = search(resolveConfig(config), { seed: opts.seed, runs: opts.runs, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS, invariants: INVARIANTS });
    const row = { config, result };
    onRow?.(row, i, cfgs.length);
    return row;
  });
}

export function matrixJson(rows: readonly MatrixRow[]): { rows: CheckJson[] } {
  return { rows: rows.map((r) => checkJson(r.config, r.result)) };
}

/**
 * The matrix: every historical configuration and every proposed fix against every invariant. The list
 * below says which configurations exist; the verdicts come from search.
 *
 * Each row reports the set of violated invariants, found by the exclusion loop (`violatedSet`): search all
 * invariants; on a violation of X, search again without X; repeat until the rest holds. The loop has
 * exactly the power of one search per invariant with the same seed and runs, and gives byte-identical
 * counterexamples:
 * - fast-check draws the same runs for the same seed whatever the property does until a run fails, and
 *   the actions a run takes do not depend on the invariants checked (only where it stops);
 * - so a search of a set S holds iff every invariant of S holds alone over those runs, and its first
 *   failing run is the first failing run of the invariant X violated at that run's last step (the first
 *   such in INVARIANTS order): no run before it violates any invariant of S;
 * - from that failure on, the search checks X alone (`narrowed`), so fast-check's shrinking, the
 *   1-minimisation and the reported counterexample are those of a search of X alone. Without narrowing,
 *   shrinking would keep any input that violates any invariant of S, which can end on a different (shorter)
 *   counterexample, or on an invariant that no generated run violates (more power than the cell has).
 * Checked for all 21 configurations x 19 invariants at seed 1, 300 runs: the narrowed loop gives the same 399
 * verdicts and the same 75 counterexamples byte for byte as one search per invariant. A loop without
 * narrowing gave the same verdicts there, but 43 of the 75 traces differed: 31 only in `alsoViolated` (the
 * last execution checks every remaining invariant), 12 in the shrunk steps themselves (shrinking accepted
 * candidates that violate another invariant and took another path, e.g. in reboot-hvm QEMU killed before
 * instead of after the guest's enable).
 */
import { stateWorker } from './worker-heap.ts';
import type { Config } from '../model/config.ts';
import { DEFAULT_CONFIG, resolveConfig, type Resolved } from '../model/config.ts';
import { INVARIANTS, type Invariant } from '../model/invariants.ts';
import type { World } from '../model/world.ts';
import { search, DEFAULT_MAX_STEPS, type SearchResult } from './search.ts';
import { checkJson, type CheckJson } from './report-json.ts';
import { rowVerdict, type RowVerdict } from './outcome.ts';

/** A matrix configuration and what it stands for (a seed's cell or a proposal). */
export interface MatrixEntry {
  readonly config: Config;
  /** Which seed document or proposal the row is, e.g. "seed 001 case 3" or "seed 004: chao-v6". */
  readonly label: string;
}

const SEED001_CASES: Readonly<Record<string, string>> = {
  'reuse-pirq/keep-pirqs': 'seed 001 case 1 (CORRECT)',
  'fresh-pirq/keep-pirqs': 'seed 001 case 2 (INCORRECT)',
  'reuse-pirq/unmap-on-disable': 'seed 001 case 3 (INCORRECT)',
  'fresh-pirq/unmap-on-disable': 'seed 001 case 4 (CORRECT)',
  'reuse-pirq-live/keep-pirqs': 'seed 000/001: 2.6.39-4.10 guest, old QEMU',
  'reuse-pirq-live/unmap-on-disable': 'seed 000/001: 2.6.39-4.10 guest, QEMU >= 2.1',
};

/** The Xen release ids of 4.13 .. 4.22 (model/variants.ts). */
export const XEN_RELEASES = ['4.13', '4.13.1', '4.13.3', '4.14', '4.15', '4.16', '4.17', '4.18', '4.19', '4.20', '4.21', '4.22'] as const;

/** The toolstack released with a Xen release: libxl (4.13's) for 4.13.x, libxl-x.y from 4.14. */
function libxlOf(x: string): string {
  return x.startsWith('4.13') ? 'libxl' : `libxl-${x}`;
}

/** The lifecycle rows: scenario, dom0, xen, toolstack, label. */
const LIFECYCLE: readonly (readonly [string, string, string, string, string])[] = [
  ['igbvf-pv', 'xen-2.6.18', 'xen-3.4', 'libxl', 'seed 002: 2.6.18-xen dom0, Xen 3.4'],
  ['igbvf-pv', 'xen-2.6.18-prune', 'xen-3.4', 'libxl', 'seed 002 proposal: msi_prune_pci_irq_vectors'],
  ['reboot-hvm', 'pvops', '4.12', 'libxl', 'seeds 003/004: pvops dom0, Xen 4.12'],
  ['reboot-hvm', 'pvops-7681f31e', '4.12', 'libxl', 'pciback 7681f31e (reset keeps PCI_COMMAND)'],
  ['reboot-hvm', 'pvops-msix-reset', '4.12', 'libxl', "seed 003's proposal: pcistub_msix_reset"],
  ['reboot-hvm', 'pvops', '4.13', 'libxl', 'Xen 4.13: 575e18d54d'],
  ['reboot-hvm', 'pvops', 'chao-v6', 'libxl', "seed 004's proposal: chao-v6"],
  ['reboot-hvm', 'pvops', 'chao-v6-esrch', 'libxl', "seed 004's proposal: chao-v6 + ESRCH"],
  ['reboot-hvm', 'pvops', '4.12', 'unbind-before-reset', 'seed 004: toolstack unbind-before-reset'],
  ['reboot-hvm', 'pvops-7681f31e', '4.13', 'libxl', 'Xen 4.13 (pciback 7681f31e, Linux 5.1)'],
  ['handover-hvm', 'pvops-7681f31e', '4.13', 'libxl', 'Xen 4.13: new owner after pci-detach'],
  ['handover-hvm', 'pvops-7681f31e', 'chao-v6', 'libxl', 'chao-v6: new owner after pci-detach'],
  ['handover-hvm', 'pvops-7681f31e', '4.13', 'unbind-before-reset', 'unbind-before-reset: new owner after detach'],
  // --- Xen releases (issue 14): one block, rows per release with the dom0 and toolstack of its era ---
  ['igbvf-pv', 'xen-2.6.18', '4.12', 'libxl', 'seed 002 dom0 on Xen 4.12: domain_crash'],
  // The same dom0 (no prepare_msix, PCI_COMMAND=0 on reset, as every pciback before Linux 3.9) with an HVM
  // guest: Xen's destroy masks with decoding off (host_maskall), the next guest's first map crashes it and
  // clears host_maskall in the same msix_capability_init.
  ['reboot-hvm', 'xen-2.6.18', '4.12', 'libxl', 'seed 002 dom0 on Xen 4.12, HVM guest'],
  // Each release with the software of its era: dom0 pvops-7681f31e (Linux 5.1 and later, 2019-), the libxl of
  // the same release (libxl = 4.13's order; libxl-4.14 .. libxl-4.22 have the same order for the modelled
  // paths), guest fresh-pirq (Linux 4.11+) and QEMU unmap-on-disable (2.1+), the defaults. Every release on
  // reboot-hvm; igbvf-pv and admin-unbind-hvm once per group of releases with the same flags (the other
  // members' rows would repeat the group's verdicts: model/components/xen-releases.test.ts checks the groups).
  // Xen 4.13's reboot-hvm row is the one above (pciback 7681f31e, Linux 5.1).
  ...XEN_RELEASES.filter((x) => x !== '4.13').map((x) => ['reboot-hvm', 'pvops-7681f31e', x, libxlOf(x), `Xen ${x}`] as const),
  ...(['4.13', '4.13.1', '4.15', '4.19'] as const).flatMap((x) => [
    ['igbvf-pv', 'pvops-7681f31e', x, libxlOf(x), `Xen ${x} (PV guest)`] as const,
    ['admin-unbind-hvm', 'pvops-7681f31e', x, libxlOf(x), `Xen ${x} (admin unbind)`] as const,
  ]),
  // --- end of the Xen releases block ---
];

/**
 * Today's stack, in one place (the today rows of the matrix and docs/bugs.md read it): the current guest
 * (Linux 6.x, both interrupt paths: the pirq path where the scenario's domain has hvm_pirq=1, the native path
 * in the -vmsi scenarios, hvm_pirq=0, Xen 4.19's default), today's QEMU xen_pt, Linux 6.x pciback in a PV
 * dom0, Xen 4.22 and libxl 4.22.
 */
export const TODAY = { guest: 'linux-6x', qemu: 'bind-unmasked', xen: '4.22', dom0: 'pvops-6x', toolstack: 'libxl-4.22' } as const;

/** The scenarios of the today rows, with the interrupt path each drives. */
const TODAY_SCENARIOS: readonly (readonly [string, string])[] = [
  ['nvme-hvm', 'pirq path (hvm_pirq=1)'],
  ['nvme-msi-hvm', 'pirq path (hvm_pirq=1), MSI'],
  ['hostile-hvm', 'pirq path (hvm_pirq=1), setpci'],
  ['nvme-hvm-vmsi', 'native path (hvm_pirq=0)'],
  ['igbvf-pv', 'PV guest'],
  ['reboot-hvm', 'pirq path (hvm_pirq=1)'],
  ['admin-unbind-hvm', 'pirq path (hvm_pirq=1)'],
  ['reboot-hvm-vmsi', 'native path (hvm_pirq=0)'],
  ['handover-hvm', 'pirq path, new owner after detach'],
];

/**
 * Seed 001's 2x2 of guest kernel and QEMU, with the 2.6.39-4.10 kernel as a third row, in both interrupt
 * modes; then seed 002's igbvf-pv and the reboot-hvm of seeds 003/004, with every proposed fix.
 */
export function matrixEntries(): MatrixEntry[] {
  const out: MatrixEntry[] = [];
  for (const scenario of ['nvme-hvm', 'nvme-msi-hvm']) {
    for (const guest of ['reuse-pirq', 'reuse-pirq-live', 'fresh-pirq']) {
      for (const qemu of ['keep-pirqs', 'unmap-on-disable']) {
        const config = { scenario, guest, qemu, xen: '4.12', dom0: DEFAULT_CONFIG.dom0, toolstack: DEFAULT_CONFIG.toolstack };
        out.push({ config, label: SEED001_CASES[`${guest}/${qemu}`]! });
      }
    }
  }
  for (const [scenario, dom0, xen, toolstack, label] of LIFECYCLE) {
    out.push({ config: { scenario, guest: DEFAULT_CONFIG.guest, qemu: DEFAULT_CONFIG.qemu, xen, dom0, toolstack }, label });
  }
  for (const [scenario, path] of TODAY_SCENARIOS) out.push({ config: { scenario, ...TODAY }, label: `today: ${path}` });
  return out;
}

export function matrixConfigs(): Config[] {
  return matrixEntries().map((e) => e.config);
}

export interface SearchParams {
  readonly seed: number;
  readonly runs: number;
  readonly maxSteps: number;
}

/**
 * Search `invs`; from the first failing run on, check only the invariant that run violated first, so the
 * result is the search of that invariant alone (see the file comment). Uses search()'s onFirstFailure and
 * wrapped invariants; the runs before the failure check every invariant of `invs`.
 */
export function narrowedSearch(r: Resolved, invs: readonly Invariant[], p: SearchParams): SearchResult {
  // Until the first failing run, no check returns a violation; the first one that does is the first
  // violated invariant (INVARIANTS order) at that run's last step, as violations() checks in order.
  let first: string | null = null;
  let only: string | null = null;
  const wrapped: Invariant[] = invs.map((inv) => ({
    ...inv,
    check: (w: World) => {
      if (only !== null) return only === inv.name ? inv.check(w) : undefined;
      const ev = inv.check(w);
      if (ev && first === null) first = inv.name;
      return ev;
    },
  }));
  return search(r, {
    seed: p.seed,
    runs: p.runs,
    maxSteps: p.maxSteps,
    invariants: wrapped,
    // Called right after the failing run, before shrinking.
    onFirstFailure: () => {
      only = first;
    },
  });
}

/**
 * Only the verdict of a search of `invs`, and the invariant its first failing run violated first: the same
 * runs and the same verdict as search(), without the shrinking (from the first failure on, every check
 * reports a violation, so fast-check's shrinking and the 1-minimisation end at once). For tests that
 * assert a verdict and read nothing of the counterexample.
 */
export function searchVerdict(r: Resolved, invs: readonly Invariant[], p: SearchParams): { verdict: 'holds' | 'violated'; invariant: string | null; runsExecuted: number } {
  let first: string | null = null;
  let done = false;
  const stop = { text: 'search stopped at its first failing run', facts: {} };
  const wrapped: Invariant[] = invs.map((inv) => ({
    ...inv,
    check: (w: World) => {
      if (done) return stop;
      const ev = inv.check(w);
      if (ev && first === null) first = inv.name;
      return ev;
    },
  }));
  const res = search(r, { seed: p.seed, runs: p.runs, maxSteps: p.maxSteps, invariants: wrapped, onFirstFailure: () => (done = true) });
  return { verdict: res.verdict, invariant: first, runsExecuted: res.runsExecuted };
}

export interface ViolatedSet {
  /** Invariant name -> the search of that invariant alone, in the order found. */
  readonly violated: ReadonlyMap<string, SearchResult>;
  /** The invariants of `invs` that hold over the same runs. */
  readonly holds: readonly string[];
  /** Searches made (violations + 1, or violations when none holds). */
  readonly searches: number;
  /** The last search: over exactly `holds` when it held. */
  readonly last: SearchResult | null;
}

/** The exclusion loop over `invs`: every violated invariant with its own counterexample, and the rest. */
export function violatedSet(config: Config | Resolved, invs: readonly Invariant[], p: SearchParams): ViolatedSet {
  const r = 'flags' in config ? config : resolveConfig(config);
  const violated = new Map<string, SearchResult>();
  let left = [...invs];
  let searches = 0;
  let last: SearchResult | null = null;
  while (left.length > 0) {
    const res = narrowedSearch(r, left, p);
    last = res;
    searches++;
    if (res.verdict === 'holds' || !res.violation) break;
    const x = res.violation.invariant;
    violated.set(x, res);
    left = left.filter((i) => i.name !== x);
  }
  return { violated, holds: left.map((i) => i.name), searches, last };
}

export interface MatrixRow {
  readonly config: Config;
  readonly label: string;
  /** 'violated' when any invariant is. */
  readonly verdict: 'holds' | 'violated';
  /** Invariant name -> its search (the counterexample of that invariant alone), in INVARIANTS order. */
  readonly violated: ReadonlyMap<string, SearchResult>;
  readonly holds: readonly string[];
  /** The first search of the row (all invariants, narrowed on its first failure; with no invariant, a search that holds). */
  readonly result: SearchResult;
}

export function matrixRow(e: MatrixEntry, p: SearchParams, invs: readonly Invariant[] = INVARIANTS): MatrixRow {
  const s = violatedSet(e.config, invs, p);
  // A row that holds: its only search was over every invariant.
  const first = s.violated.values().next().value ?? s.last ?? narrowedSearch(resolveConfig(e.config), invs, p);
  const ordered = new Map(invs.filter((i) => s.violated.has(i.name)).map((i) => [i.name, s.violated.get(i.name)!] as const));
  return { config: e.config, label: e.label, verdict: ordered.size ? 'violated' : 'holds', violated: ordered, holds: s.holds, result: first };
}

export function runMatrix(opts: { seed: number; runs: number; maxSteps?: number }, onRow?: (row: MatrixRow, i: number, n: number) => void): MatrixRow[] {
  const entries = matrixEntries();
  const p = { seed: opts.seed, runs: opts.runs, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS };
  return entries.map((e, i) => {
    const row = matrixRow(e, p);
    onRow?.(row, i, entries.length);
    return row;
  });
}

/** A row as it crosses a thread boundary (structured clone keeps Maps, but not their type guarantees). */
export interface WireRow {
  readonly config: Config;
  readonly label: string;
  readonly verdict: 'holds' | 'violated';
  readonly violated: readonly (readonly [string, SearchResult])[];
  readonly holds: readonly string[];
  readonly result: SearchResult;
}

export function toWire(r: MatrixRow): WireRow {
  return { ...r, violated: [...r.violated] };
}

export function fromWire(w: WireRow): MatrixRow {
  return { ...w, violated: new Map(w.violated) };
}

/**
 * runMatrix on `workers` threads, each taking the next row when it is done with one; the rows (and so
 * the output) are the same as runMatrix's, in the same order, for any number of workers.
 */
export async function runMatrixParallel(
  opts: {
    seed: number;
    runs: number;
    maxSteps?: number;
    workers: number;
    /** Indices into matrixEntries() (default: all). */ only?: readonly number[];
    /** Checked before each row is started: true stops the run; the rows not computed are left out (Ctrl-C). */
    stop?: () => boolean;
  },
  onRow?: (row: MatrixRow, done: number, n: number) => void,
): Promise<MatrixRow[]> {
  const n = Math.max(1, Math.floor(opts.workers));
  if (n === 1 && !opts.only && !opts.stop) return runMatrix(opts, onRow);
  if (n === 1 && !opts.only) {
    // One thread, stoppable: yield to the event loop (signals) between rows.
    const entries = matrixEntries();
    const p = { seed: opts.seed, runs: opts.runs, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS };
    const out: MatrixRow[] = [];
    for (const e of entries) {
      await new Promise((r) => setImmediate(r));
      if (opts.stop?.()) break;
      const row = matrixRow(e, p);
      out.push(row);
      onRow?.(row, out.length, entries.length);
    }
    return out;
  }
  const params: SearchParams = { seed: opts.seed, runs: opts.runs, maxSteps: opts.maxSteps ?? DEFAULT_MAX_STEPS };
  const indices = opts.only ?? matrixEntries().map((_e, i) => i);
  const total = indices.length;
  const rows: (MatrixRow | undefined)[] = new Array(total);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.min(n, total) }, () => stateWorker(new URL('./matrix-worker-boot.mjs', import.meta.url), { workerData: params }));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= total || opts.stop?.()) return resolve();
              w.postMessage({ slot: next, i: indices[next] });
              next++;
            };
            w.on('message', (m: { slot: number; row: WireRow }) => {
              const row = fromWire(m.row);
              rows[m.slot] = row;
              onRow?.(row, ++done, total);
              give();
            });
            w.on('error', reject);
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // Rows not started (a stop) are left out; the rest keep their order.
  return rows.filter((r): r is MatrixRow => r !== undefined);
}

export interface MatrixRowJson extends CheckJson {
  readonly label: string;
  /** Every violated invariant with the length of its own shrunk counterexample (steps). */
  readonly violatedInvariants: readonly { readonly invariant: string; readonly steps: number; readonly evidence: string }[];
  readonly holdingInvariants: readonly string[];
}

export function matrixRowJson(r: MatrixRow): MatrixRowJson {
  return {
    label: r.label,
    ...checkJson(r.config, r.result),
    verdict: r.verdict,
    violatedInvariants: [...r.violated].map(([invariant, res]) => ({ invariant, steps: res.steps?.length ?? 0, evidence: res.violation?.evidence.text ?? '' })),
    holdingInvariants: r.holds,
  };
}

export function matrixJson(rows: readonly MatrixRow[]): { rows: MatrixRowJson[] } {
  return { rows: rows.map(matrixRowJson) };
}

/** A row's verdict in the seeds' words (checker/outcome.ts): its search and its exploration together. */
export function matrixVerdict(r: MatrixRow, x: { readonly complete: boolean; readonly violated: readonly { readonly invariant: string; readonly steps: number }[] }): RowVerdict {
  const search = new Map([...r.violated].map(([n, res]) => [n, res.steps?.length ?? 0] as const));
  const explored = new Map<string, number>();
  for (const v of x.violated) if (!explored.has(v.invariant)) explored.set(v.invariant, v.steps);
  return rowVerdict(search, explored, x.complete);
}

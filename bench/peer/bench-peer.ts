/**
 * `PIRQCHECK_BENCH=peer npm run bench` (bench/bench.ts): pirqcheck's explore against SPIN on the same cells to the
 * same depth, states per second side by side and their ratio; bench/results.json `peer`. docs/performance.md
 * "The SPIN peer".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, resolveConfig } from '../../model/config.ts';
import { INVARIANTS } from '../../model/invariants.ts';
import { explore } from '../../checker/explore.ts';
import { CONCRETE } from '../../checker/identity.ts';
import { buildPan, runPan, spinAvailable, spinVersion, PAN_CFLAGS } from './spin.ts';

export const PEER_CELLS = [
  ['reuse-pirq', 'keep-pirqs'],
  ['fresh-pirq', 'unmap-on-disable'],
] as const;
export const PEER_DEPTH = 24;
const REPS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Per cell, REPS rounds, each: pan -m<depth> (its own elapsed time and rate, and the wall time of the process),
 * pirqcheck explore --concrete --depth <depth> with every invariant, and the same with no invariant (one thread,
 * in this process: wall and CPU time). Medians. Two ratios: SPIN's states per second (pan's rate: its search's
 * states over its elapsed wall time) over pirqcheck's per second of wall time; and SPIN's states per CPU-second of
 * the whole pan process (/usr/bin/time; start-up included) over pirqcheck's per CPU-second: on a shared machine a
 * thread gets less than a core, and the CPU ratio is the steadier one.
 */
export async function peerPart(): Promise<Record<string, unknown>> {
  if (!spinAvailable()) {
    console.log('peer: skipped: spin or gcc is not on PATH (apt-get install spin gcc)');
    return { skipped: 'spin or gcc is not on PATH' };
  }
  const loadavgAtStart = os.loadavg();
  const dir = mkdtempSync(join(os.tmpdir(), 'pirqcheck-peer-bench-'));
  const cells: Record<string, unknown>[] = [];
  try {
    for (const [guest, qemu] of PEER_CELLS) {
      const pan = buildPan(guest, qemu, join(dir, `${guest}-${qemu}`));
      const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest, qemu, xen: '4.12' });
      const spin = { stored: 0, transitions: 0, stateVectorBytes: 0, elapsedS: [] as number[], rate: [] as number[], wallMs: [] as number[], cpuS: [] as number[] };
      const pc: Record<string, { states: number; transitions: number; ms: number[]; cpu: number[] }> = {};
      for (let i = 0; i < REPS; i++) {
        const t0 = performance.now();
        const s = runPan(pan, PEER_DEPTH, true);
        spin.wallMs.push(performance.now() - t0);
        if (s.cpuS !== null) spin.cpuS.push(s.cpuS);
        spin.elapsedS.push(s.elapsedS);
        spin.rate.push(s.rate);
        spin.stored = s.stored;
        spin.transitions = s.transitions;
        spin.stateVectorBytes = s.stateVectorBytes;
        for (const [name, invariants] of [['every invariant', INVARIANTS], ['no invariant', []]] as const) {
          const c0 = cpuMs();
          const x = await explore(r, { depth: PEER_DEPTH, maxStates: 5_000_000, invariants, identity: CONCRETE, workers: 1 });
          const cpu = cpuMs() - c0;
          if (x.verdict === 'violated') throw new Error(`peer: ${guest}/${qemu} is violated within ${PEER_DEPTH} steps: not a cell to time`);
          const p = (pc[name] ??= { states: x.stats.distinctStates, transitions: x.stats.transitions, ms: [], cpu: [] });
          p.ms.push(x.stats.elapsedMs);
          p.cpu.push(cpu);
        }
      }
      const spinRate = median(spin.rate);
      const spinWallRate = (spin.stored / median(spin.wallMs)) * 1000;
      // States per CPU-second of the whole pan process (its start-up and hash table included).
      const spinCpuRate = spin.cpuS.length ? spin.stored / median(spin.cpuS) : null;
      const pirqcheck = Object.fromEntries(
        Object.entries(pc).map(([k, p]) => {
          const ms = median(p.ms);
          const cpu = median(p.cpu);
          const sps = (p.states / ms) * 1000;
          const spc = (p.states / cpu) * 1000;
          return [k, { states: p.states, transitions: p.transitions, ms, cpuMs: cpu, statesPerSecond: sps, statesPerCpuSecond: spc, spinRatio: spinRate / sps, spinRatioCpu: spinCpuRate === null ? null : spinCpuRate / spc }];
        }),
      );
      const row = { guest, qemu, depth: PEER_DEPTH, spin: { ...spin, medianRate: spinRate, medianElapsedS: median(spin.elapsedS), medianWallMs: median(spin.wallMs), wallStatesPerSecond: spinWallRate, medianCpuS: spin.cpuS.length ? median(spin.cpuS) : null, statesPerCpuSecond: spinCpuRate }, pirqcheck };
      cells.push(row);
      console.log(`peer nvme-hvm ${guest} ${qemu} depth ${PEER_DEPTH}: SPIN ${spin.stored} states, ${spinRate.toFixed(0)} states/s (pan's rate; ${spinWallRate.toFixed(0)} per second of the process's wall time${spinCpuRate === null ? '' : `, ${spinCpuRate.toFixed(0)} per CPU-s of the process`})`);
      for (const [k, v] of Object.entries(pirqcheck))
        console.log(`  pirqcheck --concrete, ${k}: ${v.states} states, ${v.ms.toFixed(0)} ms, ${v.statesPerSecond.toFixed(0)} states/s (${v.statesPerCpuSecond.toFixed(0)} per CPU-s); SPIN / pirqcheck ${v.spinRatio.toFixed(1)}x${v.spinRatioCpu === null ? '' : ` (${v.spinRatioCpu.toFixed(1)}x per CPU-s)`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { spin: spinVersion(), panCflags: PAN_CFLAGS, reps: REPS, cells, loadavgAtStart, loadavgAtEnd: os.loadavg() };
}

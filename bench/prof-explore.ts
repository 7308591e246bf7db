/**
 * A single explore run for profiling (`node --cpu-prof --import tsx bench/prof-explore.ts [depth] [guest] [qemu]
 * [concrete]`): nvme-hvm (default reuse-pirq keep-pirqs), every invariant, one worker, the default state identity
 * or with `concrete` the concrete one (depth 0 or absent: until the graph is complete). Prints states, time and
 * states/s.
 */
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { explore } from '../checker/explore.ts';
import { CONCRETE } from '../checker/identity.ts';

const depth = Number(process.argv[2] ?? 0) || undefined;
const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: process.argv[3] ?? 'reuse-pirq', qemu: process.argv[4] ?? 'keep-pirqs', xen: '4.12' });
const res = await explore(r, { ...(depth ? { depth } : {}), maxStates: 5_000_000, invariants: INVARIANTS, ...(process.argv[5] === 'concrete' ? { identity: CONCRETE } : {}) });
console.log(`${res.verdict}${res.complete ? ' (complete)' : ''}: ${res.stats.distinctStates} states, ${res.stats.transitions} transitions, ${res.stats.elapsedMs.toFixed(0)} ms, ${res.stats.statesPerSecond.toFixed(0)} states/s; ${res.identity}`);

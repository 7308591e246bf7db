/**
 * A single explore run for profiling (`node --cpu-prof --import tsx bench/prof-explore.ts [depth]`): nvme-hvm
 * reuse-pirq keep-pirqs, every invariant, one worker. Prints states, time and states/s.
 */
import { DEFAULT_CONFIG, resolveConfig } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { explore } from '../checker/explore.ts';

const depth = Number(process.argv[2] ?? 18);
const r = resolveConfig({ ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'keep-pirqs', xen: '4.12' });
const res = await explore(r, { depth, maxStates: 1_000_000, invariants: INVARIANTS });
console.log(`${res.stats.distinctStates} states, ${res.stats.transitions} transitions, ${res.stats.elapsedMs.toFixed(0)} ms, ${res.stats.statesPerSecond.toFixed(0)} states/s`);

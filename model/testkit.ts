/** Helpers for the unit tests of the component handlers: a Sys over a copy of a scenario's world. */
import { CallLog } from './trace.ts';
import type { Sys } from './context.ts';
import { DEFAULT_FLAGS, type Flags } from './variants.ts';
import { BUILTIN_FUNCTIONS } from './functions.ts';
import { cloneWorld, type World, type WorldDraft } from './world.ts';
import { findScenario, initialWorld } from './scenarios.ts';
import { resolveConfig, type Config, type Resolved } from './config.ts';
import { resolveFunctions, type AnyOverride, type FunctionLayer } from './overrides.ts';
import type { VariantComponent } from './variants.ts';

export type TestSys = Omit<Sys, 'w'> & { readonly w: WorldDraft };

/**
 * A Sys writing by path copying (as a step does) over a private deep copy of the world, which the test may
 * also change in place through `w` to set up a case.
 */
export function sysFor(scenario = 'nvme-hvm', flags: Partial<Flags> = {}, world?: World): TestSys {
  const sc = findScenario(scenario);
  if (!sc) throw new Error(`no scenario ${scenario}`);
  const w = cloneWorld(world ?? initialWorld(sc));
  return { w, owned: new Set<object>([w]), log: new CallLog(), flags: { ...DEFAULT_FLAGS, ...flags }, fn: BUILTIN_FUNCTIONS };
}

/** Every log line printed so far, in order. */
export function logLines(s: Sys): string[] {
  return [...s.log.calls.flatMap((c) => c.log), ...s.log.loose];
}

/** The results of every call to `fn` so far. */
export function results(s: Sys, fn: string): string[] {
  return s.log.calls.filter((c) => c.fn === fn).map((c) => c.result);
}

let layerIndex = 950;
/** The configuration with one in-memory variant layer (a fix written as code) overriding `overrides` of `component`. */
export function withFix(c: Config, component: VariantComponent, overrides: Record<string, AnyOverride>): Resolved {
  const layer: FunctionLayer = { index: layerIndex++, component, variant: 't', file: 'mem.ts', overrides };
  return { ...resolveConfig(c), fns: resolveFunctions([layer]), user: { layers: [layer], verifyLeft: 0 } };
}

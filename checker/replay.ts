/**
 * Replay a trace through the model's step function alone (no generator), under its own configuration or
 * with some components swapped for other variants (to check a proposed fix against a recorded bug).
 *
 * Every action is offered to step(). An action the configuration makes impossible at that point is
 * reported (step number, action, reason) and leaves the world unchanged; the replay goes on with the
 * next action. Every invariant is checked after every step that ran.
 */
import type { Action } from '../model/actions.ts';
import { CONFIG_COMPONENTS, ConfigError, resolveConfig, type Config, type Resolved } from '../model/config.ts';
import { INVARIANTS, violations, type Invariant, type Violation } from '../model/invariants.ts';
import { enabledActions, initialWorld } from '../model/scenarios.ts';
import { step } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { toStep, type TraceStep } from './run.ts';
import { canonicalConfig, traceStepOf, TraceError, type Trace } from './trace.ts';

export interface Refusal {
  /** 1-based position in the trace's action list. */
  readonly n: number;
  readonly action: Action;
  readonly reason: string;
}

export interface ReplayResult {
  readonly config: Config;
  /** Components whose variant differs from the trace's own configuration. */
  readonly swapped: readonly { readonly component: string; readonly from: string; readonly to: string }[];
  /** Steps that ran, numbered by their position in the trace's action list. */
  readonly steps: readonly TraceStep[];
  readonly refused: readonly Refusal[];
  /** The first step after which some invariant failed, with every invariant failing there. */
  readonly firstViolation: { readonly n: number; readonly violations: readonly Violation[] } | null;
  /** The first step after which the trace's recorded invariant failed, or null. */
  readonly recordedViolatedAt: number | null;
  /** Every invariant that failed after some step, with the first such step, in the order first seen. */
  readonly everViolated: readonly { readonly invariant: string; readonly n: number }[];
  /** The first step whose calls differ from the recorded ones (own configuration only), or null. */
  readonly divergedAt: number | null;
  /** The world before and after the step of interest: the first violation, or else the last step that ran. */
  readonly before: World;
  readonly after: World;
  readonly focus: number | null;
}

/** A one-token-group rendering of any action object, safe for actions read from a file. */
export function actionText(a: Action): string {
  const parts = Object.entries(a)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${String(v)}`);
  return [a.kind, ...parts].join(' ');
}

/** The trace's configuration with `overrides` applied; unknown ids are a ConfigError. */
export function replayConfig(t: Trace, overrides: Readonly<Record<string, string | undefined>>): Resolved {
  const cfg: Record<string, string> = { ...(t.config as unknown as Record<string, string>) };
  for (const k of ['scenario', ...CONFIG_COMPONENTS]) {
    const v = overrides[k];
    if (typeof v === 'string') cfg[k] = v;
  }
  return resolveConfig(canonicalConfig(cfg as unknown as Config));
}

/**
 * `focusStep`: capture the world around this step (1-based) instead of around the first violation; the
 * report uses it to show the state the recorded violation changed.
 */
export function replay(t: Trace, r: Resolved, invs: readonly Invariant[] = INVARIANTS, focusStep?: number): ReplayResult {
  const own = t.config as unknown as Record<string, string>;
  const cur = r.config as unknown as Record<string, string>;
  const swapped = ['scenario', ...CONFIG_COMPONENTS]
    .filter((k) => own[k] !== cur[k])
    .map((k) => ({ component: k, from: own[k] ?? '', to: cur[k] ?? '' }));
  let w = initialWorld(r.scenario);
  let before = w;
  let after = w;
  let focus: number | null = null;
  const steps: TraceStep[] = [];
  const refused: Refusal[] = [];
  let firstViolation: ReplayResult['firstViolation'] = null;
  let recordedViolatedAt: number | null = null;
  const everViolated: { invariant: string; n: number }[] = [];
  let divergedAt: number | null = null;
  const recorded = new Map(t.steps.map((s) => [s.n, s]));
  for (let i = 0; i < t.actions.length; i++) {
    const n = i + 1;
    const a = canonicalAction(w, r, t.actions[i]!);
    const res = step(w, a, r);
    if (res.refused !== undefined) {
      refused.push({ n, action: a, reason: res.refused });
      continue;
    }
    const prev = w;
    w = res.world;
    const s = toStep(n, a, res.calls, w);
    steps.push(s);
    if (swapped.length === 0 && divergedAt === null) {
      const rec = recorded.get(n);
      if (rec && JSON.stringify(rec) !== JSON.stringify(traceStepOf(s))) divergedAt = n;
    }
    const v = violations(w, invs);
    for (const x of v) if (!everViolated.some((e) => e.invariant === x.invariant)) everViolated.push({ invariant: x.invariant, n });
    if (v.some((x) => x.invariant === t.violation.invariant) && recordedViolatedAt === null) recordedViolatedAt = n;
    if (v.length && firstViolation === null) firstViolation = { n, violations: v };
    if (focusStep !== undefined) {
      if (n <= focusStep) {
        before = prev;
        after = w;
        focus = n;
      }
    } else if (firstViolation === null || firstViolation.n === n) {
      before = prev;
      after = w;
      focus = n;
    }
  }
  return { config: r.config, swapped, steps, refused, firstViolation, recordedViolatedAt, everViolated, divergedAt, before, after, focus };
}

/** Key order carries no meaning in a trace file: use the enabled action with the same fields, if any. */
function canonicalAction(w: World, r: Resolved, a: Action): Action {
  const key = (x: object) => JSON.stringify(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)));
  const k = key(a);
  return enabledActions(w, r.scenario).find((e) => key(e) === k) ?? a;
}

/** Exit status of `pirqcheck replay`: 1 violated, 0 every step ran and every invariant held, 4 steps not possible. */
export const REPLAY_INCOMPLETE = 4;

export function replayExitCode(r: ReplayResult): number {
  if (r.firstViolation) return 1;
  if (r.refused.length) return REPLAY_INCOMPLETE;
  return 0;
}

/** Resolve overrides, turning a configuration error into a TraceError-like usage problem for callers. */
export function replayConfigOrThrow(t: Trace, overrides: Readonly<Record<string, string | undefined>>): Resolved {
  try {
    return replayConfig(t, overrides);
  } catch (e) {
    if (e instanceof ConfigError) throw new TraceError(e.message);
    throw e;
  }
}

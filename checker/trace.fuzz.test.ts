/**
 * Fuzzing the trace loader: random JSON, random text, truncated and mutated valid traces, oversized arrays
 * and prototype keys. Every input either loads as a trace (and then replays without throwing) or ends in a
 * TraceError with a one-line message; nothing else may escape. Seeds are pinned.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_CONFIG, resolveConfig, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { search } from './search.ts';
import { loadTraceText, serializeTrace, traceFromSearch, TraceError, TRACE_LIMITS } from './trace.ts';
import { replay, replayConfig, replayExitCode } from './replay.ts';

const SEED = 4242;
const RUNS = 300;

const cfg: Config = { ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'fresh-pirq', qemu: 'keep-pirqs', xen: '4.12' };
const res = search(resolveConfig(cfg), { seed: 1, runs: 300, maxSteps: 40, invariants: INVARIANTS });
const valid = serializeTrace(traceFromSearch(cfg, res, { maxSteps: 40, invariants: INVARIANTS.map((i) => i.name) })!);
const validObj = JSON.parse(valid) as unknown;

type Outcome = 'loaded' | 'rejected';

/** Load; a loaded trace must replay without throwing. Anything but a one-line TraceError fails the test. */
function outcome(text: string): Outcome {
  let t;
  try {
    t = loadTraceText(text, 'fuzz.json');
  } catch (e) {
    if (!(e instanceof TraceError)) throw new Error(`escaped ${e instanceof Error ? e.constructor.name : typeof e}: ${String(e)}`);
    if (/[\n\r]/.test(e.message) || e.message.length === 0 || e.message.length > 700) throw new Error(`not one line: ${JSON.stringify(e.message)}`);
    if (/internal:/.test(e.message)) throw new Error(`unforeseen failure: ${e.message}`);
    return 'rejected';
  }
  const r = replay(t, replayConfig(t, {}));
  expect([0, 1, 4]).toContain(replayExitCode(r));
  return 'loaded';
}

/** Every path (list of keys) into a JSON value, objects and arrays included. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}
const PATHS = paths(validObj).filter((p) => p.length > 0);

type Edit = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'proto'; key: string; value: unknown } | { kind: 'huge'; n: number };

function applyEdit(root: unknown, path: (string | number)[], e: Edit): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  switch (e.kind) {
    case 'set':
      parent[last] = e.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case 'proto': {
      const target = parent[last];
      const own = (): Record<string, unknown> => Object.defineProperty({}, e.key, { value: e.value, enumerable: true, configurable: true, writable: true });
      if (Array.isArray(target)) target.push(own());
      else if (target !== null && typeof target === 'object') Object.defineProperty(target, e.key, { value: e.value, enumerable: true, configurable: true, writable: true });
      else Object.defineProperty(parent, e.key, { value: e.value, enumerable: true, configurable: true, writable: true });
      break;
    }
    case 'huge':
      parent[last] = Array.from({ length: e.n }, () => parent[last]);
      break;
  }
  return copy;
}

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('set' as const), value: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constantFrom(-1, 2 ** 53, 1e308, '__proto__', '')) }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('proto' as const), key: fc.constantFrom('__proto__', 'constructor', 'prototype'), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('huge' as const), n: fc.constant(TRACE_LIMITS.actions + 1) }),
);

describe(`trace loader fuzz (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('the unmutated trace loads', () => {
    expect(outcome(valid)).toBe('loaded');
  });

  it('random JSON values are rejected with one line', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(outcome(JSON.stringify(v) ?? 'null')).toBe('rejected');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('random text is rejected with one line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(outcome(s)).toBe('rejected');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('truncated traces are rejected with one line', () => {
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 2 }), (n) => {
        expect(outcome(valid.slice(0, n))).toBe('rejected');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('mutated traces either load and replay, or are rejected with one line', () => {
    const seen = { loaded: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), edit, (path, e) => {
        seen[outcome(JSON.stringify(applyEdit(validObj, path, e)))]++;
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.loaded).toBeGreaterThan(0);
  });

  it('prototype keys anywhere are rejected, and nothing is polluted', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS.filter((p) => typeof p[p.length - 1] === 'string')), fc.constantFrom('__proto__', 'constructor', 'prototype'), (path, key) => {
        expect(outcome(JSON.stringify(applyEdit(validObj, path, { kind: 'proto', key, value: { polluted: true } })))).toBe('rejected');
        expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

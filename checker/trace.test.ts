import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, CONFIG_COMPONENTS, type Config } from '../model/config.ts';
import { INVARIANTS, findInvariant } from '../model/invariants.ts';
import { search } from './search.ts';
import { loadTraceText, parseTrace, serializeTrace, traceFromSearch, TraceError, TRACE_LIMITS, type Trace } from './trace.ts';
import { replay, replayConfig, replayExitCode, REPLAY_INCOMPLETE } from './replay.ts';
import { jsonDiff, markdownReport, sequenceDiagram, singleSwaps, terminalReport, traceName, INVARIANT_IMPACT, impactOf } from './report.ts';
import { variantsOf, swappableVariantsOf } from '../model/variants.ts';

const CFG: Config = { ...DEFAULT_CONFIG, scenario: 'nvme-hvm', guest: 'reuse-pirq', qemu: 'unmap-on-disable', xen: '4.12' };

function found(cfg: Config = CFG, seed = 1): Trace {
  const res = search(resolveConfig(cfg), { seed, runs: 300, maxSteps: 40, invariants: INVARIANTS });
  const t = traceFromSearch(cfg, res, { maxSteps: 40, invariants: INVARIANTS.map((i) => i.name) });
  if (!t) throw new Error('expected a violation');
  return t;
}

function expectTraceError(f: () => unknown, match?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    const msg = (e as Error).message;
    expect(msg).not.toMatch(/\n/);
    if (match) expect(msg).toMatch(match);
    return;
  }
  throw new Error('expected a TraceError');
}

describe('trace format (seed 1)', () => {
  const t = found();
  const text = serializeTrace(t);

  it('round-trips: load(serialize(t)) serializes to the same bytes', () => {
    expect(serializeTrace(loadTraceText(text))).toBe(text);
  });

  it('holds the configuration with every component, the actions, steps, violation and provenance', () => {
    const v = JSON.parse(text) as Record<string, unknown>;
    expect(v['format']).toBe('pirqcheck-trace');
    expect(v['version']).toBe(1);
    expect(Object.keys(v['config'] as object)).toEqual(['scenario', ...CONFIG_COMPONENTS]);
    expect(t.steps.length).toBe(t.actions.length);
    expect(t.violation.step).toBe(t.actions.length);
    expect(t.provenance.seed).toBe(1);
  });

  it('is deterministic: the same search gives byte-identical trace and report', () => {
    const t2 = found();
    expect(serializeTrace(t2)).toBe(text);
    expect(markdownReport(t2, { tracePath: 'x.json' })).toBe(markdownReport(t, { tracePath: 'x.json' }));
  });

  it('replays through step() alone with exit 1 and the recorded invariant at the recorded step', () => {
    const r = replay(t, replayConfig(t, {}));
    expect(replayExitCode(r)).toBe(1);
    expect(r.recordedViolatedAt).toBe(t.violation.step);
    expect(r.divergedAt).toBeNull();
    expect(r.refused).toEqual([]);
  });

  it('reports actions that are not possible under a swapped configuration, and exits 4 when nothing was violated', () => {
    const r = replay(t, replayConfig(t, { scenario: 'nvme-msi-hvm' }));
    expect(r.refused.length).toBeGreaterThan(0);
    expect(r.refused[0]!.n).toBe(1);
    expect(r.refused[0]!.reason).toMatch(/not possible/);
    expect(r.swapped.map((s) => s.component)).toEqual(['scenario']);
    expect(replayExitCode(r)).toBe(r.firstViolation ? 1 : REPLAY_INCOMPLETE);
  });

  it('ignores the key order of actions in the file', () => {
    const v = JSON.parse(text) as { actions: Record<string, unknown>[] };
    v.actions = v.actions.map((a) => Object.fromEntries(Object.entries(a).reverse()));
    const t2 = loadTraceText(JSON.stringify(v));
    const r = replay(t2, replayConfig(t2, {}));
    expect(r.refused).toEqual([]);
    expect(r.recordedViolatedAt).toBe(t.violation.step);
  });

  it('rejects unknown ids in overrides', () => {
    expect(() => replayConfig(t, { qemu: 'no-such-qemu' })).toThrow(/unknown qemu variant/);
  });
});

describe('trace loader rejects hostile or broken input with one line', () => {
  const good = JSON.parse(serializeTrace(found())) as Record<string, unknown>;
  const mutate = (f: (v: Record<string, any>) => void): string => {
    const v = structuredClone(good) as Record<string, any>;
    f(v);
    return JSON.stringify(v);
  };

  it.each([
    ['not JSON', '{"format": ', /not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['a JSON string', '"x"', /not a JSON object/],
    ['wrong format', mutate((v) => (v['format'] = 'other')), /format/],
    ['future version', mutate((v) => (v['version'] = 2)), /version/],
    ['missing actions', mutate((v) => delete v['actions']), /actions/],
    ['wrong type', mutate((v) => (v['actions'] = 'x')), /actions/],
    ['unknown scenario', mutate((v) => (v['config']['scenario'] = 'nope')), /config\.scenario: unknown scenario/],
    ['unknown variant', mutate((v) => (v['config']['guest'] = 'nope')), /config\.guest: unknown guest variant/],
    ['missing component', mutate((v) => delete v['config']['qemu']), /config\.qemu/],
    ['extra config key', mutate((v) => (v['config']['dom9'] = 'x')), /dom9|Unrecognized/i],
    ['unknown action kind', mutate((v) => (v['actions'][0]['kind'] = 'guest.rm_rf')), /unknown action kind/],
    ['unknown invariant', mutate((v) => (v['violation']['invariant'] = 'all-good')), /unknown invariant/],
    ['violation step out of range', mutate((v) => (v['violation']['step'] = 999)), /outside/],
    ['huge action array', mutate((v) => (v['actions'] = Array.from({ length: TRACE_LIMITS.actions + 1 }, () => v['actions'][0]))), /actions/],
    ['huge string', mutate((v) => (v['violation']['evidence']['text'] = 'x'.repeat(TRACE_LIMITS.string + 1))), /text/],
    ['__proto__ key', '{"__proto__": {"polluted": 1}, "format": "pirqcheck-trace"}', /forbidden key "__proto__"/],
    ['nested constructor key', mutate((v) => (v['violation']['evidence']['facts'] = JSON.parse('{"constructor": {"prototype": 1}}'))), /forbidden key "constructor"/],
    ['deep nesting', '['.repeat(100000) + ']'.repeat(100000), /nested deeper/],
    ['too large', ' '.repeat(TRACE_LIMITS.bytes + 1), /larger than/],
  ])('%s', (_name, input, match) => {
    expectTraceError(() => loadTraceText(input as string, 'f.json'), match as RegExp);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('parseTrace of a committed-style file with a control character in a key keeps the message on one line', () => {
    expectTraceError(() => parseTrace(JSON.stringify({ ['a\nb']: 1 })));
  });
});

describe('report', () => {
  const t = found();
  const md = markdownReport(t, { tracePath: 'counterexamples/x.json' });

  it('has the sections of a bug report in order', () => {
    const order = ['[Impact]', '[Configuration]', '[Test Case]', '[Evidence]', '[State changed at step', '[Sequence]', '[Replay]'].map((s) => md.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const c = CFG as unknown as Record<string, string>;
    expect(md.split('\n')[0]).toBe(`# ${md.split('\n')[0]!.slice(2, md.split('\n')[0]!.indexOf(' ('))} (${CONFIG_COMPONENTS.map((k) => `${k} ${c[k]}`).join(', ')}, scenario nvme-hvm)`);
    expect(md.split('\n')[0]).toContain('guest reuse-pirq, qemu unmap-on-disable');
  });

  it('names each variant with its upstream commit and versions', () => {
    expect(md).toContain('c976437c7dba');
    expect(md).toContain('QEMU 2.1.0 - 2.3');
  });

  it('gives the exact replay command with the given (relative) path', () => {
    expect(md).toContain('pirqcheck replay counterexamples/x.json\n');
    expect(md).not.toMatch(/\/work\/|\/tmp\//);
  });

  it('draws one Mermaid lane per component that appears, and one arrow per nested call', () => {
    const d = sequenceDiagram(t.steps);
    const lanes = d.filter((l) => l.trim().startsWith('participant')).map((l) => l.trim().split(' ')[1]);
    const comps = new Set(t.steps.flatMap((s) => s.calls.map((c) => c.component)));
    expect(new Set(lanes)).toEqual(comps);
    const nested = t.steps.flatMap((s) => s.calls.filter((c) => c.depth > 0)).length;
    expect(d.filter((l) => l.includes('->>') && !l.includes('-->>')).length).toBe(nested);
  });

  it('sorts every single-variant swap by its replay outcome', () => {
    const sw = singleSwaps(t);
    const c = CFG as unknown as Record<string, string>;
    const all = CONFIG_COMPONENTS.flatMap((k) => swappableVariantsOf(k).filter((v) => v.id !== c[k]).map((v) => `--${k} ${v.id}`));
    expect([...sw.clean, ...sw.violated, ...sw.incomplete].sort()).toEqual(all.sort());
    // A variant that splits a step of the others (replayCompatible: false) is not offered.
    expect(all).not.toContain('--toolstack libxl-4.12-async-del');
    expect(variantsOf('toolstack').map((v) => v.id)).toContain('libxl-4.12-async-del');
    for (const [flags, code] of [[sw.clean, 0], [sw.violated, 1], [sw.incomplete, REPLAY_INCOMPLETE]] as const) {
      for (const f of flags) {
        const [k, id] = f.slice(2).split(' ') as [string, string];
        expect(replayExitCode(replay(t, replayConfig(t, { [k]: id }))), f).toBe(code);
      }
    }
    // seed 001: this guest/QEMU pair is wrong; the QEMU without c976437c runs these steps clean.
    expect(sw.clean).toContain('--qemu keep-pirqs');
    expect(md).toContain('every step runs and every invariant holds (exit 0): ');
  });

  it('diffs worlds by path', () => {
    expect(jsonDiff({ a: { 1: { irq: 48 } } }, { a: { 1: { irq: 0 } } })).toEqual(['a.1.irq: 48 -> 0']);
    expect(jsonDiff({ x: [1] }, { x: [1, 2] })).toEqual(['x.1: (absent) -> 2']);
  });

  it('has an impact sentence for every invariant the model defines, and a fallback for others', () => {
    for (const inv of INVARIANTS) expect(INVARIANT_IMPACT[inv.name], inv.name).toBeDefined();
    for (const name of Object.keys(INVARIANT_IMPACT)) expect(findInvariant(name), name).toBeDefined();
    expect(impactOf('not-an-invariant').impact.length).toBeGreaterThan(20);
  });

  it('names files after the configuration and invariant', () => {
    const c = CFG as unknown as Record<string, string>;
    expect(traceName(t)).toBe(['nvme-hvm', ...CONFIG_COMPONENTS.map((k) => c[k]), t.violation.invariant].join('--'));
  });

  it('renders for the terminal with the steps and evidence', () => {
    const s = terminalReport(t, { tracePath: 'x.json' }).replace(/\x1b\[[0-9;]*m/g, '');
    expect(s).toContain(t.violation.evidence.text);
    expect(s).toContain('pirqcheck replay x.json');
  });
});

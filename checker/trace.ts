/**
 * The counterexample trace: a versioned JSON file that holds everything needed to read and replay a
 * violation without the generator that found it. The configuration (scenario and one variant id per
 * component), the action list, each step's calls, results and log lines as recorded, the invariant
 * violated with its evidence, and how the search found it.
 *
 * Loading is defensive: a trace may come from anywhere. The byte size is capped before parsing, nesting
 * depth is capped before JSON.parse, prototype-polluting keys are refused, and the structure is validated
 * with a schema whose id enums are built at run time from the model's own lists (scenarios, variants,
 * action kinds, invariants). Every problem is a TraceError with a one-line message.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { Action } from '../model/actions.ts';
import { ACTION_KINDS } from '../model/actions.ts';
import { CONFIG_COMPONENTS, type Config } from '../model/config.ts';
import { INVARIANTS } from '../model/invariants.ts';
import { SCENARIOS } from '../model/scenarios.ts';
import { findVariant, VARIANTS, variantsOf, type Flags, type VariantComponent } from '../model/variants.ts';
import type { TraceStep } from './run.ts';
import type { SearchResult } from './search.ts';

export const TRACE_FORMAT = 'pirqcheck-trace';
export const TRACE_VERSION = 1;

/** Limits on what a trace file may hold. Generous for real counterexamples (tens of steps). */
export const TRACE_LIMITS = {
  bytes: 4 * 1024 * 1024,
  depth: 32,
  actions: 2000,
  callsPerStep: 500,
  logLinesPerCall: 500,
  string: 4000,
  factKeys: 200,
} as const;

/** A trace file that cannot be used: one line, naming the file and the first problem. */
export class TraceError extends Error {}

export interface TraceCall {
  readonly component: string;
  readonly fn: string;
  readonly args: string;
  readonly result: string;
  readonly log: readonly string[];
  readonly at: number;
  readonly logAt: readonly number[];
  readonly depth: number;
}

export interface TraceFileStep {
  readonly n: number;
  readonly component: string;
  readonly action: string;
  readonly device: string | null;
  readonly args: string;
  readonly result: string;
  readonly log: readonly string[];
  readonly calls: readonly TraceCall[];
}

/** A variant of the configuration that came from a user's file (`--variant-file`): what replaying the trace needs. */
export interface TraceVariantFile {
  readonly component: VariantComponent;
  readonly id: string;
  /** The file as it was named on the command line. */
  readonly file: string;
  readonly sha256: string;
  readonly base: string;
  /** Every flag of the variant (its base's and its own). */
  readonly flags: Partial<Flags>;
  /** The modelled functions it overrides (its base's layers included). */
  readonly functions: readonly string[];
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  readonly config: Config;
  readonly actions: readonly Action[];
  readonly steps: readonly TraceFileStep[];
  readonly violation: {
    readonly invariant: string;
    /** 1-based step after which the invariant was first seen violated. */
    readonly step: number;
    readonly evidence: { readonly text: string; readonly facts: Readonly<Record<string, unknown>> };
    /** Every invariant checked by the search that was violated at that step. */
    readonly alsoViolated: readonly string[];
  };
  readonly provenance: {
    readonly seed: number;
    readonly runs: number;
    readonly runsExecuted: number;
    readonly maxSteps: number;
    /** The invariants the search checked. */
    readonly invariants: readonly string[];
  };
  /** Present when a variant of the configuration came from a user's file. */
  readonly variantFiles?: readonly TraceVariantFile[];
}

/** The user-file variants of a configuration, as a trace records them. */
export function variantFilesOf(config: Config): TraceVariantFile[] {
  const out: TraceVariantFile[] = [];
  for (const comp of CONFIG_COMPONENTS) {
    const v = findVariant(comp, (config as unknown as Record<string, string>)[comp] ?? '');
    if (!v?.source) continue;
    const base = (v as { base?: unknown }).base;
    const functions = [...new Set((v.layers ?? []).flatMap((l) => Object.keys(l.overrides)))];
    out.push({ component: comp, id: v.id, file: v.source.file, sha256: v.source.sha256, base: typeof base === 'string' ? base : '', flags: { ...v.flags }, functions });
  }
  return out;
}

/**
 * One line per recorded variant file whose variant is loaded from a file with other content now (the trace
 * replays, but not necessarily as it was found).
 */
export function changedVariantFiles(t: Trace): string[] {
  return (t.variantFiles ?? []).flatMap((f) => {
    const now = findVariant(f.component, f.id)?.source;
    if (!now || now.sha256 === f.sha256) return [];
    return [`variant file '${now.file}' (${f.component} variant '${f.id}') is not the one this trace was found with: sha256 ${now.sha256.slice(0, 12)} now, ${f.sha256.slice(0, 12)} then (${f.file})`];
  });
}

// ---------------------------------------------------------------------------------------------------
// Building

export function traceStepOf(s: TraceStep): TraceFileStep {
  return {
    n: s.n,
    component: s.component,
    action: s.action,
    device: s.device,
    args: s.args,
    result: s.result,
    log: [...s.log],
    calls: s.calls.map((c) => ({ component: c.component, fn: c.fn, args: c.args, result: c.result, log: [...c.log], at: c.at, logAt: [...c.logAt], depth: c.depth })),
  };
}

/** The configuration with keys in a stable order: scenario, then CONFIG_COMPONENTS order. */
export function canonicalConfig(c: Config): Config {
  const out: Record<string, string> = { scenario: c.scenario };
  for (const comp of CONFIG_COMPONENTS) out[comp] = (c as unknown as Record<string, string>)[comp]!;
  return out as unknown as Config;
}

export function buildTrace(input: {
  config: Config;
  actions: readonly Action[];
  steps: readonly TraceStep[];
  invariant: string;
  evidence: { text: string; facts: Readonly<Record<string, unknown>> };
  alsoViolated: readonly string[];
  seed: number;
  runs: number;
  runsExecuted: number;
  maxSteps: number;
  invariants: readonly string[];
}): Trace {
  const files = variantFilesOf(input.config);
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    config: canonicalConfig(input.config),
    actions: input.actions.map((a) => ({ ...a })),
    steps: input.steps.map(traceStepOf),
    violation: {
      invariant: input.invariant,
      step: input.steps.length,
      evidence: { text: input.evidence.text, facts: input.evidence.facts },
      alsoViolated: [...input.alsoViolated],
    },
    provenance: { seed: input.seed, runs: input.runs, runsExecuted: input.runsExecuted, maxSteps: input.maxSteps, invariants: [...input.invariants] },
    ...(files.length ? { variantFiles: files } : {}),
  };
}

/** Canonical text of a trace: two-space JSON, trailing newline. Same trace, same bytes. */
export function serializeTrace(t: Trace): string {
  return JSON.stringify(t, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------------
// Schema, built from the model's lists at call time so new scenarios, variants, actions and invariants
// are accepted without touching this file.

function enumOf(values: readonly string[], what: string) {
  const set = new Set(values);
  return z.string().max(200).refine((v) => set.has(v), { message: `unknown ${what} (valid: ${values.join(', ')})` });
}

const str = () => z.string().max(TRACE_LIMITS.string);
const int = () => z.number().int().min(-0x80000000).max(0xffffffff);
const nat = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

let cachedSchema: ReturnType<typeof buildSchema> | null = null;
let cachedFor = -1;

/** The schema, built on first use and again once variant files add variants. */
function traceSchema(): ReturnType<typeof buildSchema> {
  if (cachedSchema === null || cachedFor !== VARIANTS.length) {
    cachedSchema = buildSchema();
    cachedFor = VARIANTS.length;
  }
  return cachedSchema;
}

function buildSchema() {
  const configShape: Record<string, z.ZodType<string>> = { scenario: enumOf(SCENARIOS.map((s) => s.id), 'scenario') };
  for (const comp of CONFIG_COMPONENTS) configShape[comp] = enumOf(variantsOf(comp).map((v) => v.id), `${comp} variant`);
  const invariantName = enumOf(INVARIANTS.map((i) => i.name), 'invariant');
  const actionField = z.union([int(), z.string().max(64), z.boolean()]);
  const action = z
    .object({ kind: enumOf(ACTION_KINDS, 'action kind') })
    .catchall(actionField)
    .refine((a) => Object.keys(a).length <= 16, { message: 'too many action fields' });
  const call = z.strictObject({
    component: z.string().max(32),
    fn: str(),
    args: str(),
    result: str(),
    log: z.array(str()).max(TRACE_LIMITS.logLinesPerCall),
    at: nat(),
    logAt: z.array(nat()).max(TRACE_LIMITS.logLinesPerCall),
    depth: nat().max(64),
  });
  const stepS = z.strictObject({
    n: nat(),
    component: z.string().max(32),
    action: str(),
    device: z.union([str(), z.null()]),
    args: str(),
    result: str(),
    log: z.array(str()).max(TRACE_LIMITS.callsPerStep * 4),
    calls: z.array(call).max(TRACE_LIMITS.callsPerStep),
  });
  return z
    .strictObject({
      format: z.literal(TRACE_FORMAT),
      version: z.literal(TRACE_VERSION),
      config: z.strictObject(configShape),
      actions: z.array(action).min(1).max(TRACE_LIMITS.actions),
      steps: z.array(stepS).max(TRACE_LIMITS.actions),
      violation: z.strictObject({
        invariant: invariantName,
        step: nat(),
        evidence: z.strictObject({
          text: str(),
          facts: z.record(z.string().max(200), z.unknown()).refine((f) => Object.keys(f).length <= TRACE_LIMITS.factKeys, { message: 'too many facts' }),
        }),
        alsoViolated: z.array(invariantName).max(INVARIANTS.length * 4),
      }),
      provenance: z.strictObject({
        seed: nat(),
        runs: nat(),
        runsExecuted: nat(),
        maxSteps: nat(),
        invariants: z.array(invariantName).max(INVARIANTS.length * 4),
      }),
      variantFiles: z
        .array(
          z.strictObject({
            component: z.enum(CONFIG_COMPONENTS as unknown as [VariantComponent, ...VariantComponent[]]),
            id: str(),
            file: str(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            base: str(),
            flags: z.record(z.string().max(64), z.union([z.boolean(), z.string().max(64), z.number()])),
            functions: z.array(z.string().max(80)).max(200),
          }),
        )
        .max(CONFIG_COMPONENTS.length)
        .optional(),
    })
    .superRefine((t, ctx) => {
      if (t.steps.length > t.actions.length) ctx.addIssue({ code: 'custom', path: ['steps'], message: `more recorded steps (${t.steps.length}) than actions (${t.actions.length})` });
      if (t.violation.step < 1 || t.violation.step > t.actions.length) {
        ctx.addIssue({ code: 'custom', path: ['violation', 'step'], message: `step ${t.violation.step} is outside 1..${t.actions.length}` });
      }
    });
}

// ---------------------------------------------------------------------------------------------------
// Loading

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** One line, no control characters, bounded length. */
function oneLine(s: string, max = 300): string {
  const t = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function quoteKey(k: string): string {
  return JSON.stringify(k.length > 40 ? k.slice(0, 40) + '…' : k);
}

/** Nesting depth of a JSON text, scanning brackets outside strings; stops as soon as `limit` is passed. */
function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > limit) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

/** Walk a parsed value without recursion; refuse prototype-polluting keys. */
function checkKeys(root: unknown): void {
  const stack: { v: unknown; path: string }[] = [{ v: root, path: '' }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    for (const k of Object.keys(v)) {
      const p = path ? `${path}.${k}` : k;
      if (FORBIDDEN_KEYS.has(k)) throw new TraceError(`forbidden key ${quoteKey(k)} at ${oneLine(path || '(top level)', 80)}`);
      stack.push({ v: (v as Record<string, unknown>)[k], path: p });
    }
  }
}

function issueText(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? String(p) : oneLine(String(p), 40))).join('.') : '(top level)';
  return `${path}: ${issue.message}`;
}

/** A trace found with a variant file replays only with that file loaded: say which, in one line. */
function checkVariantFiles(value: unknown): void {
  const files = (value as { variantFiles?: unknown }).variantFiles;
  if (!Array.isArray(files)) return;
  for (const f of files as unknown[]) {
    if (typeof f !== 'object' || f === null) continue;
    const { component, id, file } = f as Record<string, unknown>;
    if (typeof component !== 'string' || typeof id !== 'string' || typeof file !== 'string') continue;
    if (!(CONFIG_COMPONENTS as readonly string[]).includes(component)) continue;
    if (!findVariant(component as VariantComponent, id)) {
      throw new TraceError(oneLine(`found with the ${component} variant '${id}' of variant file '${file}': replay it with --variant-file ${file}`));
    }
  }
}

/** Validate an already-parsed value as a trace. */
export function parseTraceValue(value: unknown): Trace {
  checkKeys(value);
  checkVariantFiles(value);
  const res = traceSchema().safeParse(value);
  if (!res.success) {
    const first = res.error.issues[0];
    const more = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more problem${res.error.issues.length > 2 ? 's' : ''})` : '';
    throw new TraceError(oneLine(`${first ? issueText(first) : 'invalid trace'}${more}`));
  }
  return res.data as unknown as Trace;
}

/** Parse trace text (size and depth capped before JSON.parse). */
export function parseTrace(text: string): Trace {
  if (typeof text !== 'string') throw new TraceError('not text');
  // A UTF-8 byte order mark (some editors write one) is not part of the JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (Buffer.byteLength(text, 'utf8') > TRACE_LIMITS.bytes) throw new TraceError(`larger than ${TRACE_LIMITS.bytes} bytes`);
  if (jsonDepthExceeds(text, TRACE_LIMITS.depth)) throw new TraceError(`nested deeper than ${TRACE_LIMITS.depth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`not JSON: ${oneLine(e instanceof Error ? e.message : String(e), 120)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TraceError('not a JSON object');
  return parseTraceValue(value);
}

/**
 * Load a trace from text. Any failure, including one this module did not foresee, becomes a TraceError
 * with a one-line message prefixed by `source`.
 */
export function loadTraceText(text: string, source = 'trace'): Trace {
  try {
    return parseTrace(text);
  } catch (e) {
    if (e instanceof TraceError) throw new TraceError(`${oneLine(source, 200)}: ${e.message}`);
    throw new TraceError(`${oneLine(source, 200)}: trace rejected (internal: ${oneLine(e instanceof Error ? e.message : String(e), 120)})`);
  }
}

/** Read and load a trace file; the size is checked before the file is read. */
export function loadTraceFile(file: string): Trace {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new TraceError(`${oneLine(file, 200)}: not a regular file`);
    if (st.size > TRACE_LIMITS.bytes) throw new TraceError(`${oneLine(file, 200)}: larger than ${TRACE_LIMITS.bytes} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof TraceError) throw e;
    const code = (e as { code?: unknown }).code;
    throw new TraceError(`${oneLine(file, 200)}: cannot read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return loadTraceText(text, file);
}

/** The trace of a search that found a violation, or null when every invariant held. */
export function traceFromSearch(config: Config, r: SearchResult, o: { maxSteps: number; invariants: readonly string[] }): Trace | null {
  if (r.verdict !== 'violated' || !r.violation || !r.actions || !r.steps) return null;
  return buildTrace({
    config,
    actions: r.actions,
    steps: r.steps,
    invariant: r.violation.invariant,
    evidence: r.violation.evidence,
    alsoViolated: r.alsoViolated,
    seed: r.seed,
    runs: r.runs,
    runsExecuted: r.runsExecuted,
    maxSteps: o.maxSteps,
    invariants: o.invariants,
  });
}

import type { Command } from 'commander';
import pc from 'picocolors';
import { CONFIG_COMPONENTS, configLabel } from '../../model/config.ts';
import { changedVariantFiles, loadTraceFile, TraceError, canonicalConfig } from '../../checker/trace.ts';
import { actionText, replay, replayConfigOrThrow, replayExitCode, REPLAY_INCOMPLETE, type ReplayResult } from '../../checker/replay.ts';
import { jsonStep } from '../../checker/report-json.ts';
import { formatSteps } from '../../checker/format.ts';
import { UsageError, addVariantFileOption, applyVariantFileOption } from '../options.ts';

export interface ReplayJson {
  readonly file: string;
  readonly config: Record<string, string>;
  readonly recordedConfig: Record<string, string>;
  readonly swapped: ReplayResult['swapped'];
  readonly verdict: 'violated' | 'holds' | 'incomplete';
  readonly exitCode: number;
  readonly recordedInvariant: string;
  readonly recordedViolatedAt: number | null;
  readonly violation: { readonly step: number; readonly invariants: readonly { invariant: string; evidence: string; facts: unknown }[] } | null;
  readonly refused: readonly { n: number; action: string; reason: string }[];
  readonly stepsRun: number;
  readonly stepsTotal: number;
  readonly divergedAt: number | null;
  readonly steps: ReturnType<typeof jsonStep>[];
}

export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .argument('<file>', 'a trace written by check --report or committed in counterexamples/')
    .description(
      `replay a trace through the model, under its own configuration or with components swapped; exit 1 an invariant is violated, 0 every step ran and every invariant held, ${REPLAY_INCOMPLETE} some steps were not possible (none violated), 2 bad file or usage`,
    );
  cmd.option('--scenario <id>', 'replay under another scenario');
  for (const c of CONFIG_COMPONENTS) cmd.option(`--${c} <id>`, `swap in this ${c} variant`);
  cmd.option('--json', 'print one JSON object');
  addVariantFileOption(cmd).action(async (file: string, o: Record<string, unknown>) => {
    await applyVariantFileOption(o);
    let res: ReplayResult;
    let recorded: Record<string, string>;
    let recordedInvariant: string;
    let total: number;
    try {
      const t = loadTraceFile(file);
      for (const line of changedVariantFiles(t)) process.stderr.write(`pirqcheck: warning: ${line}\n`);
      const overrides: Record<string, string | undefined> = {};
      for (const k of ['scenario', ...CONFIG_COMPONENTS]) if (typeof o[k] === 'string') overrides[k] = o[k] as string;
      const r = replayConfigOrThrow(t, overrides);
      res = replay(t, r);
      recorded = canonicalConfig(t.config) as unknown as Record<string, string>;
      recordedInvariant = t.violation.invariant;
      total = t.actions.length;
    } catch (e) {
      if (e instanceof TraceError) throw new UsageError(e.message);
      throw e;
    }
    const code = replayExitCode(res);
    if (o['json']) {
      const out: ReplayJson = {
        file,
        config: res.config as unknown as Record<string, string>,
        recordedConfig: recorded,
        swapped: res.swapped,
        verdict: code === 1 ? 'violated' : code === 0 ? 'holds' : 'incomplete',
        exitCode: code,
        recordedInvariant,
        recordedViolatedAt: res.recordedViolatedAt,
        violation: res.firstViolation
          ? { step: res.firstViolation.n, invariants: res.firstViolation.violations.map((v) => ({ invariant: v.invariant, evidence: v.evidence.text, facts: v.evidence.facts })) }
          : null,
        refused: res.refused.map((r) => ({ n: r.n, action: actionText(r.action), reason: r.reason })),
        stepsRun: res.steps.length,
        stepsTotal: total,
        divergedAt: res.divergedAt,
        steps: res.steps.map(jsonStep),
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const L: string[] = [];
      const swap = res.swapped.length ? `  (swapped: ${res.swapped.map((s) => `${s.component} ${s.from} -> ${s.to}`).join(', ')})` : '';
      L.push(`replay ${file}: ${configLabel(res.config)}${swap}`);
      L.push(...formatSteps(res.steps));
      for (const r of res.refused) L.push(pc.yellow(`  step ${r.n} not possible: ${actionText(r.action)}: ${r.reason}`));
      if (res.divergedAt !== null) L.push(pc.yellow(`  note: step ${res.divergedAt} made different calls than recorded (the model changed since the trace was written)`));
      if (res.firstViolation) {
        const v = res.firstViolation;
        L.push(`${pc.red('violated')} at step ${v.n}: ${v.violations.map((x) => x.invariant).join(', ')}`);
        for (const x of v.violations) L.push(`  ${x.invariant}: ${x.evidence.text}`);
        L.push(
          res.recordedViolatedAt !== null
            ? `recorded invariant ${recordedInvariant}: violated at step ${res.recordedViolatedAt}`
            : `recorded invariant ${recordedInvariant}: held at every step`,
        );
      } else if (res.refused.length) {
        L.push(
          `${pc.yellow('incomplete')}: ${res.refused.length} of ${total} steps were not possible under this configuration; every invariant held on the ${res.steps.length} steps that ran (exit ${REPLAY_INCOMPLETE})`,
        );
      } else {
        L.push(`${pc.green('holds')}: all ${total} steps ran and every invariant held at every step (recorded invariant ${recordedInvariant} included)`);
      }
      process.stdout.write(L.join('\n') + '\n');
    }
    process.exitCode = code;
  });
}

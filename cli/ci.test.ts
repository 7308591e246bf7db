/**
 * The CI definitions run what .ci/run runs: the GitHub workflow and the GitLab job template that Xen's or
 * QEMU's pipeline includes (ci/gitlab/pirqcheck.yml), the same install, the same suite (plus JUnit), the same
 * fuzz shards; the container they run in installs the locked dependencies the same way.
 */
import { PROVE_MAX_STATES } from './commands/matrix.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** The command lines of .ci/run after its preamble (set, cd), in order. */
function ciRunCommands(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
}

/** The `script:` lines of one job of a GitLab YAML file (the list items under `script:`), unquoted. */
function gitlabScript(yaml: string, job: string): string[] {
  const at = yaml.indexOf(`\n${job}:\n`);
  expect(at, `job ${job}`).toBeGreaterThan(-1);
  const rest = yaml.slice(at + job.length + 3);
  const body = rest.slice(0, rest.search(/\n\S/) === -1 ? undefined : rest.search(/\n\S/));
  const m = /\n {2}script:\n((?: {4}- .*\n?)+)/.exec(body);
  expect(m, `script of ${job}`).not.toBeNull();
  return m![1]!
    .split('\n')
    .filter((l) => l.startsWith('    - '))
    .map((l) => l.slice(6).replace(/^'(.*)'$/, '$1'));
}

/** The `- run:` lines of the GitHub workflow, unquoted. */
function githubRuns(yaml: string): string[] {
  return [...yaml.matchAll(/^\s+- run: (.*)$/gm)].map((m) => m[1]!.replace(/^'(.*)'$/, '$1'));
}

/** `npm test` as CI runs it: with a JUnit reporter added. */
const asCi = (cmd: string) => (cmd === 'npm test' ? 'npm run test:junit' : cmd);

describe('CI', () => {
  const workflow = read('.github/workflows/pirqcheck.yml');
  const gitlab = read('ci/gitlab/pirqcheck.yml');
  const ciRun = read('.ci/run');
  const commands = ciRunCommands(ciRun);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('.ci/run installs with npm ci and runs npm test', () => {
    expect(commands).toContain('npm ci --no-audit --no-fund');
    expect(commands[commands.length - 1]).toBe('npm test');
  });

  it('npm run test:junit is npm test with a JUnit reporter added, nothing else changed', () => {
    expect(scripts['test:junit']!.startsWith(`${scripts['test']!} `)).toBe(true);
    expect(scripts['test:junit']!.slice(scripts['test']!.length)).toBe(' --reporter=default --reporter=junit --outputFile.junit=junit.xml');
  });

  it("the GitHub PR tier runs .ci/run's commands in order (npm test with JUnit), then the matrix's JUnit", () => {
    const runs = githubRuns(workflow);
    const start = runs.indexOf(commands[0]!);
    expect(runs.slice(start, start + commands.length)).toEqual(commands.map(asCi));
    expect(runs[start + commands.length]).toBe('node bin/pirqcheck.js matrix --junit junit-matrix.xml');
  });

  it("the GitLab merge-request job runs .ci/run's commands in order in pirqcheck's checkout, then the matrix's JUnit", () => {
    const script = gitlabScript(gitlab, 'pirqcheck-properties');
    expect(script[0]).toBe('cd "$PIRQCHECK_DIR"');
    expect(script.slice(1, 1 + commands.length)).toEqual(commands.map(asCi));
    expect(script[1 + commands.length]).toBe('node bin/pirqcheck.js matrix --junit junit-matrix.xml');
    // In Xen's style: a test-stage job in a container, its JUnit files as GitLab test reports.
    expect(gitlab).toMatch(/\.pirqcheck-jobs-common:\n {2}stage: test\n {2}image: \$\{PIRQCHECK_REGISTRY\}\/pirqcheck:\$\{PIRQCHECK_CONTAINER\}/);
    expect(gitlab).toMatch(/pirqcheck-properties:[\s\S]*?reports:\n {6}junit:\n {8}- junit\.xml\n {8}- junit-matrix\.xml/);
    expect(gitlab).toMatch(/pirqcheck-properties:\n {2}extends: \.pirqcheck-jobs-common\n {2}rules:\n {4}- if: \$CI_PIPELINE_SOURCE == "merge_request_event"/);
  });

  it('both fuzz tiers run the same shards on a schedule, with JUnit and the findings kept', () => {
    const shards = /shard: \[([\d, ]+)\]/.exec(workflow)?.[1]?.split(',').map((x) => Number(x.trim()));
    expect(shards).toEqual(Array.from({ length: shards!.length }, (_, i) => i + 1));
    expect(workflow).toContain(`--shard \${{ matrix.shard }}/${shards!.length} --out fuzz-out --junit junit-fuzz.xml`);
    expect(workflow).toMatch(/path: \|\n\s+fuzz-out\/\n\s+junit-fuzz\.xml/);
    const fuzz = gitlabScript(gitlab, 'pirqcheck-fuzz');
    expect(fuzz).toContain('npm ci --no-audit --no-fund');
    expect(fuzz).toContain('node bin/pirqcheck.js fuzz --minutes "$PIRQCHECK_FUZZ_MINUTES" --shard "${CI_NODE_INDEX}/${CI_NODE_TOTAL}" --out fuzz-out --junit junit-fuzz.xml');
    expect(gitlab).toMatch(new RegExp(`pirqcheck-fuzz:[\\s\\S]*?- if: \\$CI_PIPELINE_SOURCE == "schedule"\\n {2}parallel: ${shards!.length}\\n`));
    expect(gitlab).toMatch(/pirqcheck-fuzz:[\s\S]*?reports:\n {6}junit: junit-fuzz\.xml/);
  });

  it('both proof tiers run `npm run prove` on a schedule, with its JUnit report kept, and prove explores every row to the end', () => {
    const prove = JSON.parse(read('package.json')).scripts.prove as string;
    expect(prove).toMatch(/^node --max-old-space-size=\d+ bin\/pirqcheck\.js matrix --explore-max-states (\d+)$/);
    // Above today's hostile-hvm graph, the largest (3,957,026 classes: docs/performance.md, "The graph today").
    expect(Number(/--explore-max-states (\d+)/.exec(prove)![1])).toBeGreaterThan(3_957_026);
    // The matrix's legend names the same budget.
    expect(Number(/--explore-max-states (\d+)/.exec(prove)![1])).toBe(PROVE_MAX_STATES);
    expect(gitlabScript(gitlab, 'pirqcheck-prove')).toEqual(['cd "$PIRQCHECK_DIR"', 'npm ci --no-audit --no-fund', 'npm run prove -- --junit junit-prove.xml']);
    expect(gitlab).toMatch(/pirqcheck-prove:[\s\S]*?- if: \$CI_PIPELINE_SOURCE == "schedule"\n {2}script:/);
    expect(gitlab).toMatch(/pirqcheck-prove:[\s\S]*?reports:\n {6}junit: junit-prove\.xml/);
    const job = workflow.slice(workflow.indexOf('\n  prove:\n'), workflow.indexOf('\n  samples:\n'));
    expect(job).toContain("if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'");
    expect(githubRuns(job)).toEqual(['npm ci --no-audit --no-fund', 'npm run prove -- --junit junit-prove.xml']);
    expect(job).toContain('path: junit-prove.xml');
  });

  it('the container is Node 20 with the locked dependencies installed as .ci/run installs them, and CI builds it', () => {
    const docker = read('ci/gitlab/Dockerfile');
    expect(docker).toMatch(/^FROM node:20-/m);
    expect(docker).toContain('COPY package.json package-lock.json ./');
    expect(docker).toContain(`RUN ${commands.find((c) => c.startsWith('npm ci'))}`);
    expect(docker).toMatch(/shellcheck/);
    expect(workflow).toContain('- run: docker build -f ci/gitlab/Dockerfile -t pirqcheck:node20 .');
    expect(read('ci/gitlab/containers.yml')).toContain('docker build -f ci/gitlab/Dockerfile');
    expect(read('.gitlab-ci.yml')).toMatch(/- local: 'ci\/gitlab\/containers\.yml'\n {2}- local: 'ci\/gitlab\/pirqcheck\.yml'/);
  });

  it("README shows the include an adopting project writes, naming the template's real path", () => {
    const readme = read('README.md');
    const m = /```yaml\n(include:\n[\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const file = /file: '([^']+)'/.exec(m![1]!)?.[1];
    expect(file).toBe('ci/gitlab/pirqcheck.yml');
    expect(existsSync(join(ROOT, file!))).toBe(true);
    // The same include as the template's own header.
    expect(gitlab).toContain(m![1]!.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n'));
  });
});

/**
 * Type-check a TypeScript variant file before it runs, so that a wrong function name, a wrong override
 * signature or a wrong flag value is reported where it is written (file:line:column), as the user's editor
 * would report it. The file is checked as an ES module importing 'pirqcheck' (this package's api/index.ts);
 * only diagnostics in the user's own files are reported. Without the typescript package installed (a
 * production install), the check is skipped and the loader's own validation still applies.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const sha = (x: string | Buffer) => createHash('sha256').update(x).digest('hex');

/**
 * Files that type-checked clean, in the system's temporary directory (never beside the user's file): one
 * record per variant file, listing the hash of every source file the check read (the user's and pirqcheck's
 * own), so that a change in any of them checks again.
 */
const CACHE = join(tmpdir(), 'pirqcheck-typecheck');

function cacheKey(abs: string): string {
  return sha(`${ROOT}\0${abs}`);
}

function cachedClean(abs: string): boolean {
  try {
    const rec = JSON.parse(readFileSync(join(CACHE, cacheKey(abs)), 'utf8')) as Record<string, string>;
    return Object.keys(rec).length > 0 && Object.entries(rec).every(([f, h]) => sha(readFileSync(f)) === h);
  } catch {
    return false;
  }
}

/** The first syntax or type error of the variant file `abs` (or of a file of the user's it imports), or undefined. */
export async function firstTypeError(abs: string, shown: string): Promise<string | undefined> {
  if (cachedClean(abs)) return undefined;
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return undefined;
  }
  const options: import('typescript').CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    paths: { pirqcheck: [join(ROOT, 'api', 'index.ts')] },
  };
  const program = ts.createProgram([abs], options);
  const mine = (f: string) => !resolve(f).startsWith(ROOT + '/') || resolve(f) === abs;
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !mine(sf.fileName)) continue;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const d = diags.find((x) => x.category === ts.DiagnosticCategory.Error);
    if (!d) continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    const name = resolve(sf.fileName) === abs ? shown : relative(process.cwd(), sf.fileName);
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
    return `${name}:${line + 1}:${character + 1}: ${program.getSyntacticDiagnostics(sf).includes(d as import('typescript').DiagnosticWithLocation) ? 'syntax' : 'type'} error: ${text}`;
  }
  const rec: Record<string, string> = {};
  for (const sf of program.getSourceFiles()) if (!sf.isDeclarationFile) rec[resolve(sf.fileName)] = sha(readFileSync(sf.fileName));
  try {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, cacheKey(abs)), JSON.stringify(rec));
  } catch {
    // An unwritable temporary directory only means checking again next time.
  }
  return undefined;
}

/** Where the first syntax error of a JavaScript file is (`file:line:column: message`), for a SyntaxError Node gave without one. */
export async function syntaxErrorAt(abs: string, shown: string): Promise<string | undefined> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return undefined;
  }
  const text = readFileSync(abs, 'utf8');
  const out = ts.transpileModule(text, { fileName: abs, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, allowJs: true } });
  const d = out.diagnostics?.find((x) => x.category === ts.DiagnosticCategory.Error && x.start !== undefined);
  if (!d || !d.file) return undefined;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start!);
  return `${shown}:${line + 1}:${character + 1}: syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
}

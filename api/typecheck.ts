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
  return sha(`${ROOT}\0${abs}\0${process.cwd()}`);
}

interface CacheRecord {
  /** Every source file the check read, with the sha256 of its content. */
  readonly files: Record<string, string>;
  /** The first error (as firstTypeError returns it), or null for a clean file. */
  readonly error: string | null;
  readonly shown: string;
}

/** The result of the last check of `abs` if no file it read has changed since, else undefined. */
function cached(abs: string, shown: string): { error: string | null } | undefined {
  try {
    const rec = JSON.parse(readFileSync(join(CACHE, cacheKey(abs)), 'utf8')) as CacheRecord;
    if (rec.shown !== shown || Object.keys(rec.files).length === 0) return undefined;
    return Object.entries(rec.files).every(([f, h]) => sha(readFileSync(f)) === h) ? { error: rec.error } : undefined;
  } catch {
    return undefined;
  }
}

function remember(abs: string, shown: string, files: Record<string, string>, error: string | null): void {
  try {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, cacheKey(abs)), JSON.stringify({ files, error, shown } satisfies CacheRecord));
  } catch {
    // An unwritable temporary directory only means checking again next time.
  }
}

/** The first syntax or type error of the variant file `abs` (or of a file of the user's it imports), or undefined. */
export async function firstTypeError(abs: string, shown: string): Promise<string | undefined> {
  const hit = cached(abs, shown);
  if (hit) return hit.error ?? undefined;
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
    // No @types/node: a variant file has no use for Node's API, and pirqcheck's own files' diagnostics are not
    // reported; it halves the time of the check.
    types: [],
    paths: { pirqcheck: [join(ROOT, 'api', 'index.ts')] },
  };
  const program = ts.createProgram([abs], options);
  const files: Record<string, string> = {};
  for (const sf of program.getSourceFiles()) if (!sf.isDeclarationFile) files[resolve(sf.fileName)] = sha(readFileSync(sf.fileName));
  const mine = (f: string) => !resolve(f).startsWith(ROOT + '/') || resolve(f) === abs;
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !mine(sf.fileName)) continue;
    const syntactic = program.getSyntacticDiagnostics(sf);
    const diags = [...syntactic, ...program.getSemanticDiagnostics(sf)];
    const d = diags.find((x) => x.category === ts.DiagnosticCategory.Error);
    if (!d) continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    const name = resolve(sf.fileName) === abs ? shown : relative(process.cwd(), sf.fileName);
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
    const error = `${name}:${line + 1}:${character + 1}: ${(syntactic as readonly unknown[]).includes(d) ? 'syntax' : 'type'} error: ${text}`;
    remember(abs, shown, files, error);
    return error;
  }
  remember(abs, shown, files, null);
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

// Which Python runs the mlintern servers, and what to tell the user when it cannot.
// Pure functions (no `vscode` import) so the unit tests run under plain node.

import * as path from "path";

/** Where the interpreter came from, in order of precedence. */
export type InterpreterSource = "setting" | "python-extension" | "default";

export interface ResolvedInterpreter {
  command: string;
  source: InterpreterSource;
}

export interface InterpreterInputs {
  /** The `mlintern.pythonPath` setting (may be empty or contain `${workspaceFolder}` / `~`). */
  setting?: string;
  /** The interpreter selected in the Python extension, when that extension is installed. */
  pythonExtension?: string;
  /** First workspace folder, used to expand `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  home: string;
}

export const DEFAULT_PYTHON = "python3";

/** Expand `${workspaceFolder}`, `${userHome}` and a leading `~`; resolve a relative path with a separator
 *  against the workspace folder (a bare name such as `python3` stays a PATH lookup). */
export function expandPath(value: string, workspaceFolder: string | undefined, home: string): string {
  let out = value.trim();
  if (workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(workspaceFolder);
  }
  out = out.split("${userHome}").join(home);
  if (out === "~") {
    out = home;
  } else if (out.startsWith("~/")) {
    out = path.join(home, out.slice(2));
  }
  const hasSeparator = out.includes("/") || out.includes("\\");
  if (hasSeparator && !path.isAbsolute(out) && workspaceFolder !== undefined) {
    out = path.join(workspaceFolder, out);
  }
  return out;
}

/** Setting first, then the Python extension's choice, then `python3` on PATH. */
export function resolveInterpreter(inputs: InterpreterInputs): ResolvedInterpreter {
  const setting = inputs.setting?.trim();
  if (setting) {
    return { command: expandPath(setting, inputs.workspaceFolder, inputs.home), source: "setting" };
  }
  const fromExtension = inputs.pythonExtension?.trim();
  if (fromExtension) {
    return { command: fromExtension, source: "python-extension" };
  }
  return { command: DEFAULT_PYTHON, source: "default" };
}

/** Arguments that start the LSP server (`python -m mlintern.server --lsp`). No `--stdio`: the client
 *  is built without `transport`, so vscode-languageclient adds nothing (see docs/vscode.md). */
export function lspServerArgs(): string[] {
  return ["-m", "mlintern.server", "--lsp"];
}

/** Arguments that start the MCP server over stdio for one workspace folder. */
export function mcpServerArgs(workspaceFolder: string): string[] {
  return ["-m", "mlintern.server", "--workspace", workspaceFolder];
}

/** A one-line program that fails unless mlintern *and* its LSP dependencies import; prints the version. */
export function importCheckArgs(): string[] {
  return ["-c", "import mlintern.server.lsp_server\nfrom mlintern.server import __version__\nprint(__version__)"];
}

/** Quote an argument for a POSIX shell or PowerShell/cmd when it needs quoting. */
export function shellQuote(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (/^[A-Za-z0-9_\-./:=@%+]+$/.test(arg)) {
    return arg;
  }
  if (platform === "win32") {
    return `"${arg.replace(/"/g, '\\"')}"`;
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that installs mlintern into `python`. */
export function installCommand(python: string, platform: NodeJS.Platform = process.platform): string {
  const exe = shellQuote(python, platform);
  // PowerShell needs `&` to run a quoted path.
  const prefix = platform === "win32" && exe.startsWith('"') ? "& " : "";
  return `${prefix}${exe} -m pip install --upgrade mlintern`;
}

export type CheckOutcome =
  | { ok: true; version: string }
  | { ok: false; kind: "no-interpreter" | "not-installed" | "broken"; message: string };

/** Turn the result of running `importCheckArgs()` into something to tell the user. */
export function classifyCheck(
  python: string,
  result: { errorCode?: string; exitCode: number | null; stdout: string; stderr: string },
  platform: NodeJS.Platform = process.platform,
): CheckOutcome {
  if (result.errorCode === "ENOENT" || result.errorCode === "EACCES") {
    return {
      ok: false,
      kind: "no-interpreter",
      message:
        `mlintern: the Python interpreter '${python}' was not found or cannot be run. ` +
        "Set 'mlintern.pythonPath' to a Python 3.10+ interpreter, or select one in the Python extension.",
    };
  }
  if (result.exitCode === 0) {
    return { ok: true, version: result.stdout.trim().split(/\r?\n/).pop() ?? "" };
  }
  const stderr = result.stderr.trim();
  const lastLine = stderr.split(/\r?\n/).pop() ?? "";
  if (/ModuleNotFoundError|No module named/.test(stderr)) {
    return {
      ok: false,
      kind: "not-installed",
      message:
        `mlintern is not installed for ${python} (${lastLine}). ` +
        `Install it with: ${installCommand(python, platform)}`,
    };
  }
  return {
    ok: false,
    kind: "broken",
    message:
      `mlintern failed to load in ${python}: ${lastLine || `exit code ${result.exitCode}`}. ` +
      `Reinstall it with: ${installCommand(python, platform)} (details in the 'mlintern' output).`,
  };
}

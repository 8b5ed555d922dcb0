import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  classifyCheck,
  DEFAULT_PYTHON,
  expandPath,
  importCheckArgs,
  installCommand,
  lspServerArgs,
  mcpServerArgs,
  resolveInterpreter,
  shellQuote,
} from "../interpreter";

const HOME = "/home/ada";
const WS = "/work/proj";

describe("resolveInterpreter", () => {
  it("prefers the mlintern.pythonPath setting", () => {
    const r = resolveInterpreter({ setting: "/opt/py/bin/python", pythonExtension: "/venv/bin/python", home: HOME });
    assert.deepEqual(r, { command: "/opt/py/bin/python", source: "setting" });
  });

  it("falls back to the Python extension's interpreter when the setting is empty or blank", () => {
    for (const setting of [undefined, "", "   "]) {
      const r = resolveInterpreter({ setting, pythonExtension: "/venv/bin/python", home: HOME });
      assert.deepEqual(r, { command: "/venv/bin/python", source: "python-extension" });
    }
  });

  it("falls back to python3 on PATH when neither is available", () => {
    assert.deepEqual(resolveInterpreter({ home: HOME }), { command: DEFAULT_PYTHON, source: "default" });
    assert.equal(DEFAULT_PYTHON, "python3");
  });

  it("expands ${workspaceFolder}, ~ and workspace-relative paths in the setting", () => {
    const r = resolveInterpreter({ setting: "${workspaceFolder}/.venv/bin/python", workspaceFolder: WS, home: HOME });
    assert.equal(r.command, path.join(WS, ".venv/bin/python"));
    assert.equal(expandPath("~/venvs/ml/bin/python", WS, HOME), path.join(HOME, "venvs/ml/bin/python"));
    assert.equal(expandPath(".venv/bin/python", WS, HOME), path.join(WS, ".venv/bin/python"));
    assert.equal(expandPath("${userHome}/py", WS, HOME), `${HOME}/py`);
  });

  it("leaves a bare command name for a PATH lookup", () => {
    assert.equal(expandPath("python3.11", WS, HOME), "python3.11");
    assert.equal(expandPath("  python3  ", WS, HOME), "python3");
  });
});

describe("server command lines", () => {
  it("starts the LSP server without --stdio (vscode-languageclient would add it with a transport)", () => {
    assert.deepEqual(lspServerArgs(), ["-m", "mlintern.server", "--lsp"]);
  });

  it("starts the MCP server on the given workspace folder", () => {
    assert.deepEqual(mcpServerArgs("/w s"), ["-m", "mlintern.server", "--workspace", "/w s"]);
  });
});

describe("installCommand", () => {
  it("uses the chosen interpreter's pip", () => {
    assert.equal(installCommand("/venv/bin/python", "linux"), "/venv/bin/python -m pip install --upgrade mlintern");
  });

  it("quotes paths with spaces for the user's shell", () => {
    assert.equal(installCommand("/my env/bin/python", "linux"), "'/my env/bin/python' -m pip install --upgrade mlintern");
    assert.equal(
      installCommand("C:\\Program Files\\Python\\python.exe", "win32"),
      '& "C:\\Program Files\\Python\\python.exe" -m pip install --upgrade mlintern',
    );
    assert.equal(shellQuote("it's", "linux"), `'it'\\''s'`);
  });
});

describe("classifyCheck", () => {
  it("reports a missing interpreter with the setting to change", () => {
    const out = classifyCheck("/nope/python", { errorCode: "ENOENT", exitCode: null, stdout: "", stderr: "" });
    assert.equal(out.ok, false);
    assert.ok(!out.ok && out.kind === "no-interpreter" && out.message.includes("mlintern.pythonPath"));
  });

  it("reports a missing package with the exact install command", () => {
    const stderr = "Traceback (most recent call last):\n  ...\nModuleNotFoundError: No module named 'mlintern'\n";
    const out = classifyCheck("/venv/bin/python", { exitCode: 1, stdout: "", stderr }, "linux");
    assert.ok(!out.ok && out.kind === "not-installed");
    assert.ok(!out.ok && out.message.includes("Install it with: /venv/bin/python -m pip install --upgrade mlintern"));
    assert.ok(!out.ok && out.message.includes("No module named 'mlintern'"));
  });

  it("reports any other import failure as broken, with its last line", () => {
    const out = classifyCheck("python3", { exitCode: 1, stdout: "", stderr: "SyntaxError: bad\n" }, "linux");
    assert.ok(!out.ok && out.kind === "broken" && out.message.includes("SyntaxError: bad"));
  });

  it("returns the printed version on success", () => {
    assert.deepEqual(classifyCheck("python3", { exitCode: 0, stdout: "0.1.0\n", stderr: "" }), { ok: true, version: "0.1.0" });
  });
});

/** Run the real check program, as the extension does, and classify what happened. */
function realCheck(python: string, extra: string[] = []): Promise<ReturnType<typeof classifyCheck>> {
  return new Promise((resolve) => {
    execFile(python, [...extra, ...importCheckArgs()], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: string | number } | null)?.code;
      resolve(
        classifyCheck(python, {
          errorCode: typeof code === "string" ? code : undefined,
          exitCode: error ? (typeof code === "number" ? code : 1) : 0,
          stdout,
          stderr,
        }),
      );
    });
  });
}

/**
 * The project's own interpreter: MLINTERN_TEST_PYTHON (the Makefile passes the venv's), else the
 * repository's .venv. Never `python3` from PATH: whether a system Python has mlintern says nothing.
 */
function projectPython(): string {
  if (process.env.MLINTERN_TEST_PYTHON) return process.env.MLINTERN_TEST_PYTHON;
  const root = path.resolve(__dirname, "..", "..", "..");
  return process.platform === "win32"
    ? path.join(root, ".venv", "Scripts", "python.exe")
    : path.join(root, ".venv", "bin", "python");
}

describe("the import check against real interpreters", () => {
  const python = projectPython();
  const missing = existsSync(python) ? undefined : `${python} does not exist: run \`make install\` first`;

  it("finds mlintern in the development interpreter", async (t) => {
    if (missing) {
      t.skip(missing);
      return;
    }
    const out = await realCheck(python);
    assert.ok(out.ok, JSON.stringify(out));
    assert.match(out.version, /^\d+\.\d+/);
  });

  it("says 'not installed' when site-packages is hidden (python -S)", async (t) => {
    if (missing) {
      t.skip(missing);
      return;
    }
    const out = await realCheck(python, ["-S"]);
    assert.ok(!out.ok && out.kind === "not-installed", JSON.stringify(out));
  });

  it("says 'not found' for an interpreter that does not exist", async () => {
    const out = await realCheck("/nonexistent/bin/python3");
    assert.ok(!out.ok && out.kind === "no-interpreter");
  });
});

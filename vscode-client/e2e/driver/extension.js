// e2e driver, run inside a real VS Code (code-server) next to the mlintern extension.
// Parse Paper on the fixture PDF -> wait for the spec; hover a hyperparameter in config.json -> the
// paper's quote; Run Pilot on the fixture's broken project -> the diagnostic and its quick fix; apply
// the fix and pilot again -> the run succeeds and the diagnostic clears; Run Training on the scaffolded
// project, then Stop Training -> the run is cancelled.
// Each step runs even when an earlier one failed. Writes what it saw to $MLINTERN_E2E_RESULT (JSON);
// run.sh judges it.
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, probe, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    }
    await sleep(250);
  }
}

function findSpecs(root) {
  const papers = path.join(root, ".mlintern", "papers");
  if (!fs.existsSync(papers)) {
    return [];
  }
  return fs
    .readdirSync(papers)
    .map((id) => path.join(papers, id, "spec.json"))
    .filter((p) => fs.existsSync(p));
}

function text(contents) {
  return contents.map((c) => (typeof c === "string" ? c : c.value)).join("\n");
}

async function hoverOn(file, key) {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc, { preview: false });
  const line = doc.getText().split("\n").findIndex((l) => l.includes(`"${key}"`));
  if (line < 0) {
    return { file, key, error: "key not in file" };
  }
  const position = new vscode.Position(line, doc.lineAt(line).text.indexOf(`"${key}"`) + 2);
  // The server may still be reading the new document: ask a few times.
  let hovers = [];
  for (let i = 0; i < 20 && hovers.length === 0; i++) {
    hovers = (await vscode.commands.executeCommand("vscode.executeHoverProvider", doc.uri, position)) || [];
    if (hovers.length === 0) {
      await sleep(500);
    }
  }
  return { file: path.basename(path.dirname(file)) + "/config.json", key, line: line + 1, hover: hovers.map((h) => text(h.contents)) };
}

async function run(result) {
  const root = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const pdf = path.join(root, "pdfs", "tiny-transformers.pdf");
  const broken = path.join(root, "projects", "broken");
  const started = Date.now();
  const step = async (name, body) => {
    try {
      result.steps[name] = { ...(await body()), seconds: (Date.now() - started) / 1000 };
    } catch (err) {
      result.steps[name] = { error: String((err && err.message) || err), seconds: (Date.now() - started) / 1000 };
    }
    return result.steps[name];
  };

  const extension = vscode.extensions.getExtension("mlintern.mlintern");
  await extension.activate();
  // vscode-languageclient registers the server's commands once the server has initialized.
  const server = await step("server", async () => {
    await waitFor("the language server", async () => (await vscode.commands.getCommands(true)).includes("mlintern.runTraining"), 90);
    const commands = await vscode.commands.getCommands(true);
    return { extensionActive: extension.isActive, serverCommands: commands.filter((c) => /^mlintern\.\w+$/.test(c)) };
  });
  if (server.error) {
    return;
  }

  // 1. Parse Paper, as from the explorer's context menu (not awaited: it ends with a notification).
  const parse = await step("parse", async () => {
    if (!server.serverCommands.includes("mlintern.parsePaper")) {
      throw new Error("the language server offers no mlintern.parsePaper command (is parse-paper registered?)");
    }
    void vscode.commands.executeCommand("mlintern.client.parsePaper", vscode.Uri.file(pdf));
    const spec = await waitFor("spec.json", async () => findSpecs(root)[0], 120);
    await sleep(500); // written, now let the server finish its reply
    const parsed = JSON.parse(fs.readFileSync(spec, "utf8"));
    return { spec, title: parsed.title, hyperparameters: Object.keys(parsed.hyperparameters || {}) };
  });

  // 2. Scaffold from that spec through the server command (the extension's own command asks for a folder).
  const project = path.join(root, "projects", "tiny");
  if (parse.spec) {
    await step("scaffold", async () => {
      const scaffolded = await vscode.commands.executeCommand("mlintern.scaffoldModel", { spec: parse.spec, output: "projects/tiny" });
      return { ok: fs.existsSync(path.join(project, "config.json")), summary: scaffolded && scaffolded.summary };
    });
  }

  // 3. Hover a hyperparameter in config.json: in the scaffolded project (quotes from the parse) and the fixture.
  const hover = await step("hover", async () => {
    const hovers = [];
    if (fs.existsSync(path.join(project, "config.json"))) {
      hovers.push(await hoverOn(path.join(project, "config.json"), "d_model"));
    }
    hovers.push(await hoverOn(path.join(broken, "config.json"), "d_model"));
    return { hovers };
  });

  // 4. A failing pilot: Run Pilot on the broken project, then the diagnostic and its quick fix.
  let pilotFailure;
  const pilot = await step("pilot", async () => {
    void vscode.commands.executeCommand("mlintern.client.runPilot", vscode.Uri.file(broken));
    const [uri, diagnostics] = await waitFor(
      "a diagnostic from mlintern",
      async () =>
        vscode.languages
          .getDiagnostics()
          .map(([u, ds]) => [u, ds.filter((d) => d.source === "mlintern")])
          .find(([, ds]) => ds.length > 0),
      240,
    );
    const diagnostic = diagnostics[0];
    // Code actions are computed on an open document, as when the user clicks the lightbulb.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const actions = (await vscode.commands.executeCommand("vscode.executeCodeActionProvider", uri, diagnostic.range)) || [];
    pilotFailure = { uri, action: actions.find((a) => a.title.startsWith("mlintern") && a.edit) };
    return {
      file: path.relative(root, uri.fsPath),
      line: diagnostic.range.start.line + 1,
      message: diagnostic.message,
      code: diagnostic.code,
      codeActions: actions.map((a) => ({ title: a.title, kind: a.kind && a.kind.value, hasEdit: Boolean(a.edit), preferred: a.isPreferred })),
    };
  });

  // 5. One click: apply the quick fix, save, pilot again; the run succeeds and the diagnostic goes away.
  const fix = await step("fix", async () => {
    if (!pilotFailure || !pilotFailure.action) {
      throw new Error("no quick fix to apply");
    }
    const applied = await vscode.workspace.applyEdit(pilotFailure.action.edit);
    const doc = await vscode.workspace.openTextDocument(pilotFailure.uri);
    await doc.save();
    void vscode.commands.executeCommand("mlintern.client.runPilot", vscode.Uri.file(broken));
    await waitFor(
      "the diagnostic to clear",
      async () => vscode.languages.getDiagnostics(pilotFailure.uri).filter((d) => d.source === "mlintern").length === 0,
      240,
    );
    // The diagnostic clears as soon as the new run starts (only a project's latest run counts): wait for its end.
    const status = await waitFor(
      "the new pilot to finish",
      async () => {
        const s = await vscode.commands.executeCommand("mlintern.trainingStatus", { run_id: "latest", log_lines: 0 });
        return s && !["queued", "running"].includes(s.state) && s;
      },
      240,
    );
    return { applied, fixedLine: doc.lineAt(pilotFailure.action.edit.entries()[0][1][0].range.start.line).text, state: status && status.state, summary: status && status.summary };
  });

  // 6. Run Training on the scaffolded project (a full run, followed in the status bar), then Stop Training.
  const latest = (args) => vscode.commands.executeCommand("mlintern.trainingStatus", { log_lines: 0, ...args });
  const stop = await step("stop", async () => {
    if (!fs.existsSync(path.join(project, "train.py"))) {
      throw new Error("no scaffolded project to train");
    }
    void vscode.commands.executeCommand("mlintern.client.runTraining", vscode.Uri.file(project));
    const running = await waitFor(
      "a running full run",
      async () => {
        const s = await latest({ run_id: "latest" });
        return s && s.mode === "full" && s.state === "running" && s;
      },
      120,
    );
    void vscode.commands.executeCommand("mlintern.client.stopTraining");
    const stopped = await waitFor(
      "the run to stop",
      async () => {
        const s = await latest({ run_id: running.run_id });
        return s && !["queued", "running"].includes(s.state) && s;
      },
      120,
    );
    return { run_id: running.run_id, stepWhenSeen: running.step, state: stopped.state, reason: stopped.reason };
  });

  const quickFixes = (pilot.codeActions || []).filter((a) => a.title.startsWith("mlintern") && a.hasEdit);
  result.checks = {
    specWritten: Boolean(parse.spec),
    diagnosticShown: Boolean(pilot.message),
    quickFixOffered: quickFixes.length > 0,
    fixedPilotRuns: fix.state === "succeeded",
    stopTrainingStops: stop.state === "cancelled",
    hoverShowsQuote: (hover.hovers || []).some((h) => (h.hover || []).some((t) => /^> .*(d_model|model dimension)/im.test(t))),
  };
  result.ok = Object.values(result.checks).every(Boolean);
}

async function activate() {
  const out = process.env.MLINTERN_E2E_RESULT;
  const result = { ok: false, vscodeVersion: vscode.version, steps: {} };
  try {
    await run(result);
  } catch (err) {
    result.error = String((err && err.stack) || err);
  }
  if (out) {
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
  }
}

module.exports = { activate, deactivate() {} };

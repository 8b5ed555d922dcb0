// The palette and explorer commands. Each one picks its input, asks the server to run the tool, and
// offers the natural next step; the work itself is all in the Python server.

import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  absoluteIn,
  PROJECT_FILES,
  activeRuns,
  defaultProjectDir,
  lastFailedRun,
  LSP,
  papersFromStatus,
  parsePaperArgs,
  reproduceArgs,
  resultString,
  runIdArgs,
  runsFromStatus,
  runTrainingArgs,
  scaffoldArgs,
} from "./commandArgs";
import { runView } from "./runStatus";
import { API_KEY_SECRET, ServerController, workspaceRoot } from "./server";
import { parseSettings } from "./settings";
import { RunStatusBar } from "./statusBar";

const EXCLUDE = "**/{node_modules,.git,.mlintern,.venv}/**";

export interface CommandDeps {
  context: vscode.ExtensionContext;
  server: ServerController;
  status: RunStatusBar;
  /** Called after the API key changes (the MCP definition must be refreshed). */
  onApiKeyChanged: () => void;
}

function requireRoot(): string | undefined {
  const root = workspaceRoot();
  if (!root) {
    void vscode.window.showErrorMessage("mlintern works on a workspace folder: open a folder first (File > Open Folder).");
  }
  return root;
}

async function pickFile(glob: string, placeHolder: string, none: string): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(glob, EXCLUDE, 500);
  if (files.length === 0) {
    void vscode.window.showWarningMessage(none);
    return undefined;
  }
  const items = files
    .map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.uri.fsPath;
}

/** The PDF a command is about: the explorer selection, the PDF open in the editor, or a pick. */
async function pickPdf(uri?: vscode.Uri): Promise<string | undefined> {
  if (uri?.fsPath.toLowerCase().endsWith(".pdf")) {
    return uri.fsPath;
  }
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const open = (input as { uri?: vscode.Uri } | undefined)?.uri;
  if (open?.fsPath.toLowerCase().endsWith(".pdf")) {
    return open.fsPath;
  }
  return pickFile("**/*.pdf", "Which paper?", "No PDF in this workspace: add the paper's PDF (e.g. papers/paper.pdf).");
}

/** The scaffolded project a command is about: the explorer folder (or the folder of a file), or a pick. */
async function pickProject(uri?: vscode.Uri): Promise<string | undefined> {
  if (uri) {
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.Directory ? uri.fsPath : path.dirname(uri.fsPath);
  }
  const marker = await pickFile(
    `**/${PROJECT_FILES.meta}`,
    "Which project?",
    "No scaffolded project in this workspace: run 'mlintern: Scaffold Model' first.",
  );
  return marker && path.dirname(marker);
}

export function registerCommands(deps: CommandDeps): void {
  const { context, server, status } = deps;

  async function workspaceStatus(): Promise<unknown> {
    try {
      return await server.request(LSP.workspaceStatus, { runs_limit: 50, events_limit: 0 });
    } catch (err) {
      server.log.error(`workspace-status: ${String(err)}`);
      void vscode.window.showErrorMessage(`mlintern: cannot read the workspace state: ${String(err)}`);
      return undefined;
    }
  }

  async function openAt(file: string, line?: number): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    if (line !== undefined && line >= 1) {
      const position = new vscode.Position(line - 1, 0);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
    }
  }

  async function parsePaper(uri?: vscode.Uri): Promise<void> {
    const root = requireRoot();
    const pdf = root && (await pickPdf(uri));
    if (!root || !pdf) {
      return;
    }
    const result = await server.execute("Parse Paper", LSP.parsePaper, parsePaperArgs(pdf, root));
    const spec = resultString(result, "spec_path", "spec");
    if (!spec) {
      return;
    }
    const title = resultString(result, "title") ?? path.basename(pdf);
    const next = await vscode.window.showInformationMessage(`Parsed "${title}".`, "Scaffold Model", "Open Spec");
    if (next === "Scaffold Model") {
      await scaffoldModel(vscode.Uri.file(absoluteIn(root, spec)), title);
    } else if (next === "Open Spec") {
      await openAt(absoluteIn(root, spec));
    }
  }

  async function pickSpec(root: string): Promise<{ spec: string; title?: string } | undefined> {
    const papers = papersFromStatus(await workspaceStatus());
    if (papers.length === 0) {
      void vscode.window.showWarningMessage("No parsed paper yet: run 'mlintern: Parse Paper' on a PDF first.");
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      papers.map((p) => ({ label: p.title ?? p.source, description: p.family ?? "", detail: p.source, paper: p })),
      { placeHolder: "Scaffold a project from which paper?" },
    );
    return picked && { spec: absoluteIn(root, picked.paper.spec), title: picked.paper.title ?? undefined };
  }

  async function scaffoldModel(uri?: vscode.Uri, knownTitle?: string): Promise<void> {
    const root = requireRoot();
    if (!root) {
      return;
    }
    const chosen = uri ? { spec: uri.fsPath, title: knownTitle } : await pickSpec(root);
    if (!chosen) {
      return;
    }
    const title = chosen.title ?? readSpecTitle(chosen.spec);
    const suggestion = vscode.workspace.asRelativePath(defaultProjectDir(root, title), false);
    const output = await vscode.window.showInputBox({
      title: "mlintern: Scaffold Model",
      prompt: "Folder for the generated PyTorch project (relative to the workspace)",
      value: suggestion,
      validateInput: (v) => (v.trim() ? undefined : "Give a folder name, e.g. projects/my-model"),
    });
    if (!output) {
      return;
    }
    const target = absoluteIn(root, output.trim());
    const result = await server.execute("Scaffold Model", LSP.scaffoldModel, scaffoldArgs(chosen.spec, target, root));
    if (result === undefined) {
      return;
    }
    const project = absoluteIn(root, resultString(result, "project", "output", "path") ?? target);
    const readme = path.join(project, PROJECT_FILES.readme);
    if (fs.existsSync(readme)) {
      await openAt(readme);
    }
    const next = await vscode.window.showInformationMessage(
      `Scaffolded ${vscode.workspace.asRelativePath(project)}.`,
      "Run Pilot",
      `Open ${PROJECT_FILES.config}`,
    );
    if (next === "Run Pilot") {
      await runPilot(vscode.Uri.file(project));
    } else if (next === `Open ${PROJECT_FILES.config}`) {
      await openAt(path.join(project, PROJECT_FILES.config));
    }
  }

  async function runPilot(uri?: vscode.Uri): Promise<void> {
    const root = requireRoot();
    const project = root && (await pickProject(uri));
    if (!root || !project) {
      return;
    }
    const result = await server.execute("Run Pilot", LSP.runTraining, runTrainingArgs(project, root, true));
    const runId = resultString(result, "run_id", "id");
    if (!runId) {
      return;
    }
    status.track(runId);
    const view = runView(result);
    if (view.failed) {
      const next = await vscode.window.showWarningMessage(
        "The pilot failed. mlintern diagnoses it: the error appears in the editor with its quick fixes.",
        "Show Problems",
        "Diagnose Now",
      );
      if (next === "Show Problems") {
        await vscode.commands.executeCommand("workbench.actions.view.problems");
      } else if (next === "Diagnose Now") {
        await diagnose(runId);
      }
    } else if (view.status === "succeeded") {
      const next = await vscode.window.showInformationMessage("The pilot ran. Start the full training?", "Run Training");
      if (next === "Run Training") {
        await runTraining(vscode.Uri.file(project));
      }
    }
  }

  async function runTraining(uri?: vscode.Uri): Promise<void> {
    const root = requireRoot();
    const project = root && (await pickProject(uri));
    if (!root || !project) {
      return;
    }
    const result = await server.execute("Start Training", LSP.runTraining, runTrainingArgs(project, root, false));
    const runId = resultString(result, "run_id", "id");
    if (runId) {
      status.track(runId, true);
    }
  }

  async function stopTraining(): Promise<void> {
    let runId = status.runId && runView(status.last).active ? status.runId : undefined;
    if (!runId) {
      const running = activeRuns(runsFromStatus(await workspaceStatus()));
      if (running.length === 0) {
        void vscode.window.showInformationMessage("mlintern: no run is going.");
        return;
      }
      const picked =
        running.length === 1
          ? running[0]
          : (
              await vscode.window.showQuickPick(
                running.map((r) => ({ label: r.id, description: `${r.mode} · ${r.status}`, detail: r.project, run: r })),
                { placeHolder: "Stop which run?" },
              )
            )?.run;
      runId = picked?.id;
    }
    if (runId) {
      await server.execute("Stop Training", LSP.stopTraining, runIdArgs(runId));
      status.track(runId);
    }
  }

  async function diagnose(runId: string): Promise<void> {
    const result = await server.execute("Diagnose", LSP.diagnoseTraceback, runIdArgs(runId));
    const location = (result as { location?: { file?: unknown; line?: unknown } } | undefined)?.location ??
      (result as { diagnosis?: { location?: { file?: unknown; line?: unknown } } } | undefined)?.diagnosis?.location;
    const file = typeof location?.file === "string" ? location.file : undefined;
    if (file) {
      const root = workspaceRoot();
      const line = typeof location?.line === "number" ? location.line : undefined;
      await openAt(absoluteIn(root, file), line);
    }
  }

  async function diagnoseLastFailure(): Promise<void> {
    if (!requireRoot()) {
      return;
    }
    const failed = lastFailedRun(runsFromStatus(await workspaceStatus()));
    if (!failed) {
      void vscode.window.showInformationMessage("mlintern: no failed run in this workspace.");
      return;
    }
    await diagnose(failed.id);
  }

  async function reproducePaper(uri?: vscode.Uri): Promise<void> {
    const root = requireRoot();
    const pdf = root && (await pickPdf(uri));
    if (!root || !pdf) {
      return;
    }
    const cfg = vscode.workspace.getConfiguration("mlintern", vscode.Uri.file(root));
    const { options } = parseSettings((key) => cfg.get(key));
    const go = await vscode.window.showInformationMessage(
      `Reproduce ${path.basename(pdf)} autonomously? mlintern parses, scaffolds, pilots, repairs (at most ` +
        `${options.max_repairs} times) and trains within ${options.budget_minutes} minutes, ` +
        `brain: ${options.brain}, LLM spend at most $${options.max_usd}.`,
      { modal: true },
      "Reproduce",
    );
    if (go !== "Reproduce") {
      return;
    }
    const result = await server.execute("Reproduce Paper", LSP.reproducePaper, reproduceArgs(pdf, root, options.max_repairs));
    if (result !== undefined && (await vscode.window.showInformationMessage("Reproduction finished.", "Open Report"))) {
      await openReport(resultString(result, "report", "report_path"));
    }
  }

  async function openReport(hint?: string): Promise<void> {
    const root = requireRoot();
    if (!root) {
      return;
    }
    const candidates = [hint && absoluteIn(root, hint), path.join(root, "REPORT.md")].filter(
      (p): p is string => typeof p === "string",
    );
    let report = candidates.find((p) => fs.existsSync(p));
    if (!report) {
      const found = await vscode.workspace.findFiles("**/REPORT.md", "**/{node_modules,.git}/**", 50);
      report = found
        .map((u) => u.fsPath)
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    }
    if (!report) {
      void vscode.window.showInformationMessage("No REPORT.md yet: 'mlintern: Reproduce Paper' writes one.");
      return;
    }
    await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(report));
  }

  async function showRunStatus(): Promise<void> {
    let runId = status.runId;
    if (!runId) {
      const runs = runsFromStatus(await workspaceStatus());
      runId = (activeRuns(runs)[0] ?? runs[0])?.id;
      if (!runId) {
        void vscode.window.showInformationMessage("mlintern: no run in this workspace yet.");
        return;
      }
      status.track(runId);
    }
    const result = await server.execute("Run Status", LSP.trainingStatus, { run_id: runId, log_lines: 5 });
    if (result === undefined) {
      return;
    }
    const view = runView(result);
    const actions = [view.active ? "Stop Training" : undefined, view.failed ? "Diagnose" : undefined, "Open Logs"];
    const summary = resultString(result, "summary") ?? view.tooltip;
    const choice = await vscode.window.showInformationMessage(
      `Run ${runId}: ${summary}`,
      ...actions.filter((a): a is string => a !== undefined),
    );
    if (choice === "Stop Training") {
      await stopTraining();
    } else if (choice === "Diagnose") {
      await diagnose(runId);
    } else if (choice === "Open Logs") {
      const runDir = resultString(result, "run_dir");
      const log = runDir && ["stderr.log", "stdout.log"].map((f) => path.join(runDir, f)).find((f) => fs.existsSync(f));
      if (log) {
        await openAt(log);
      } else {
        void vscode.window.showInformationMessage("mlintern: this run has no log file yet.");
      }
    }
  }

  async function setApiKey(): Promise<void> {
    const key = await vscode.window.showInputBox({
      title: "mlintern: Anthropic API key",
      prompt: "Stored in VS Code's secret storage and given to the mlintern servers only. Leave empty to remove it.",
      password: true,
      ignoreFocusOut: true,
      placeHolder: "sk-ant-...",
      validateInput: (v) => (v === "" || /^\S{20,}$/.test(v.trim()) ? undefined : "This does not look like an API key."),
    });
    if (key === undefined) {
      return;
    }
    if (key.trim()) {
      await context.secrets.store(API_KEY_SECRET, key.trim());
      void vscode.window.showInformationMessage("mlintern: API key saved; restarting the server.");
    } else {
      await context.secrets.delete(API_KEY_SECRET);
      void vscode.window.showInformationMessage("mlintern: API key removed; restarting the server.");
    }
    deps.onApiKeyChanged();
    await server.restart();
  }

  const table: Record<string, (...args: never[]) => Promise<void> | void> = {
    "mlintern.client.parsePaper": parsePaper,
    "mlintern.client.scaffoldModel": (uri?: vscode.Uri) => scaffoldModel(uri),
    "mlintern.client.runPilot": runPilot,
    "mlintern.client.runTraining": runTraining,
    "mlintern.client.stopTraining": stopTraining,
    "mlintern.client.diagnoseLastFailure": diagnoseLastFailure,
    "mlintern.client.reproducePaper": reproducePaper,
    "mlintern.client.openReport": () => openReport(),
    "mlintern.client.showRunStatus": showRunStatus,
    "mlintern.client.setApiKey": setApiKey,
    "mlintern.client.restartServer": async () => {
      await server.restart();
    },
    "mlintern.client.showOutput": () => server.log.show(),
  };
  for (const [id, handler] of Object.entries(table)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}

/** The paper title recorded in a spec file, for the suggested project folder name. */
function readSpecTitle(specPath: string): string | undefined {
  try {
    const spec = JSON.parse(fs.readFileSync(specPath, "utf8")) as { title?: unknown };
    return typeof spec.title === "string" ? spec.title : undefined;
  } catch {
    return undefined;
  }
}

// mlintern for VS Code: a thin client. It starts the mlintern language server (all features live
// there), adds commands and a status bar item, and registers mlintern's MCP server for agent mode.

import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { registerMcpProvider } from "./mcp";
import { onInterpreterChange } from "./pythonExtension";
import { ServerController } from "./server";
import { RESTART_SETTINGS } from "./settings";
import { RunStatusBar } from "./statusBar";

let server: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("mlintern", { log: true });
  server = new ServerController(context, log);
  const controller = server;
  const status = new RunStatusBar(controller, (runId) => {
    void vscode.window
      .showWarningMessage(`mlintern run ${runId} failed.`, "Diagnose", "Show Problems")
      .then((choice) => {
        if (choice === "Diagnose") {
          void vscode.commands.executeCommand("mlintern.client.diagnoseLastFailure");
        } else if (choice === "Show Problems") {
          void vscode.commands.executeCommand("workbench.actions.view.problems");
        }
      });
  });
  const refreshMcp = registerMcpProvider(context, log);
  context.subscriptions.push(log, controller, status);
  registerCommands({ context, server: controller, status, onApiKeyChanged: () => refreshMcp?.() });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        refreshMcp?.();
        await controller.restart();
      } else if (event.affectsConfiguration("mlintern") && !event.affectsConfiguration("mlintern.trace")) {
        // The server reads its options at start; apply them by restarting.
        const choice = await vscode.window.showInformationMessage(
          "mlintern settings changed. Restart the server to apply them?",
          "Restart",
        );
        if (choice === "Restart") {
          await controller.restart();
        }
      }
    }),
  );
  const interpreterListener = await onInterpreterChange(() => {
    if (!vscode.workspace.getConfiguration("mlintern").get<string>("pythonPath")?.trim()) {
      log.info("The Python extension's interpreter changed; restarting the server.");
      refreshMcp?.();
      void controller.restart();
    }
  });
  if (interpreterListener) {
    context.subscriptions.push(interpreterListener);
  }
  // Start the server without holding up activation (the import check takes a second or two).
  void controller.ready();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}

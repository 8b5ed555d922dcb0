// Registers mlintern's MCP server with VS Code, so agent mode (Copilot Chat) can call parse-paper,
// scaffold-model, run-training and the other tools. One stdio server per workspace folder.

import * as vscode from "vscode";
import { mcpServerArgs } from "./interpreter";
import { API_KEY_SECRET, currentInterpreter } from "./server";
import { mcpEnvironment } from "./settings";

export const MCP_PROVIDER_ID = "mlintern.mcp";

/** Register the provider when this VS Code has the API (1.101+); returns what to call when the
 *  interpreter or the API key changes, or undefined when the API is absent. */
export function registerMcpProvider(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
): (() => void) | undefined {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  if (typeof lm?.registerMcpServerDefinitionProvider !== "function" || typeof vscode.McpStdioServerDefinition !== "function") {
    log.info("This VS Code has no MCP server API (needs 1.101+); agent mode will not see mlintern's tools.");
    return undefined;
  }
  const changed = new vscode.EventEmitter<void>();
  const version = String(context.extension.packageJSON.version ?? "");
  const provider: vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition> = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: async () => {
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (folders.length === 0) {
        return [];
      }
      const python = (await currentInterpreter(log)).command;
      return folders.map((folder) => {
        const label = folders.length > 1 ? `mlintern (${folder.name})` : "mlintern";
        // The key is added in resolveMcpServerDefinition, only when the server really starts.
        const definition = new vscode.McpStdioServerDefinition(
          label,
          python,
          mcpServerArgs(folder.uri.fsPath),
          mcpEnvironment(undefined, folder.uri.fsPath),
          version,
        );
        definition.cwd = folder.uri;
        return definition;
      });
    },
    resolveMcpServerDefinition: async (definition) => {
      const apiKey = await context.secrets.get(API_KEY_SECRET);
      if (apiKey) {
        definition.env = { ...definition.env, ANTHROPIC_API_KEY: apiKey };
      }
      return definition;
    },
  };
  context.subscriptions.push(changed, lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
  log.info("Registered mlintern's MCP server for agent mode.");
  return () => changed.fire();
}

// Starts, checks and restarts the mlintern language server, and runs its commands with progress.

import { execFile } from "child_process";
import { randomUUID } from "crypto";
import * as os from "os";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  LSPErrorCodes,
  ResponseError,
  State,
  WorkDoneProgressCancelNotification,
} from "vscode-languageclient/node";
import {
  classifyCheck,
  CheckOutcome,
  importCheckArgs,
  installCommand,
  lspServerArgs,
  resolveInterpreter,
  ResolvedInterpreter,
} from "./interpreter";
import { isToolErrorData } from "./commandArgs";
import { feedProgress, ProgressRouter } from "./progress";
import { RUNS_NOTIFICATION } from "./runStatus";
import { selectedInterpreter } from "./pythonExtension";
import { initializationOptions, parseSettings, redact, serverEnvironment } from "./settings";

export const API_KEY_SECRET = "mlintern.anthropicApiKey";
const CHECK_TIMEOUT_MS = 60_000;

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The interpreter mlintern's servers run with (setting, else the Python extension, else python3). */
export async function currentInterpreter(log: vscode.LogOutputChannel): Promise<ResolvedInterpreter> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const setting = vscode.workspace.getConfiguration("mlintern", folder).get<string>("pythonPath");
  const pythonExtension = setting?.trim() ? undefined : await selectedInterpreter(folder?.uri, log);
  return resolveInterpreter({ setting, pythonExtension, workspaceFolder: folder?.uri.fsPath, home: os.homedir() });
}

function runCheck(python: string, env: NodeJS.ProcessEnv): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    execFile(python, importCheckArgs(), { env, timeout: CHECK_TIMEOUT_MS }, (error, stdout, stderr) => {
      // `code` is the errno string when the spawn failed, the exit status when the program failed.
      const code = (error as { code?: string | number } | null)?.code;
      resolve(
        classifyCheck(python, {
          errorCode: typeof code === "string" ? code : undefined,
          exitCode: error ? (typeof code === "number" ? code : 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
      );
    });
  });
}

/** Tell the user what is wrong with the interpreter and offer the fix. */
async function explainCheckFailure(outcome: Exclude<CheckOutcome, { ok: true }>, python: string): Promise<void> {
  const actions = outcome.kind === "no-interpreter" ? ["Open Settings"] : ["Install in Terminal", "Copy Command", "Open Settings"];
  const choice = await vscode.window.showErrorMessage(outcome.message, ...actions);
  if (choice === "Install in Terminal") {
    const terminal = vscode.window.createTerminal("mlintern install");
    terminal.show();
    terminal.sendText(installCommand(python));
    vscode.window.showInformationMessage("When the install finishes, run 'mlintern: Restart Server'.");
  } else if (choice === "Copy Command") {
    await vscode.env.clipboard.writeText(installCommand(python));
  } else if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "mlintern.pythonPath");
  }
}

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private readonly progress = new ProgressRouter();
  private readonly runsEmitter = new vscode.EventEmitter<unknown>();
  /** The server's `mlintern/runs` notifications (from whichever server process is current). */
  readonly onRuns = this.runsEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  /** The running client, starting the server first when needed; undefined when it cannot start. */
  async ready(): Promise<LanguageClient | undefined> {
    if (this.client?.isRunning()) {
      return this.client;
    }
    this.starting ??= this.stop()
      .then(() => this.start()) // a client that gave up after crashes is replaced by a fresh one
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private async start(): Promise<LanguageClient | undefined> {
    const interpreter = await currentInterpreter(this.log);
    const apiKey = await this.context.secrets.get(API_KEY_SECRET);
    const env = serverEnvironment(process.env, apiKey);
    this.log.info(`Using Python ${interpreter.command} (from ${interpreter.source}).`);
    const outcome = await runCheck(interpreter.command, env);
    if (!outcome.ok) {
      this.log.error(outcome.message);
      void explainCheckFailure(outcome, interpreter.command);
      return undefined;
    }
    this.log.info(`mlintern ${outcome.version} found; starting the language server.`);

    const folder = vscode.workspace.workspaceFolders?.[0];
    const settings = parseSettings((key) => vscode.workspace.getConfiguration("mlintern", folder).get(key));
    for (const problem of settings.problems) {
      this.log.warn(problem);
      void vscode.window.showWarningMessage(problem);
    }
    // No `transport` on purpose: TransportKind.stdio would append `--stdio` to the arguments.
    const serverOptions: ServerOptions = {
      command: interpreter.command,
      args: lspServerArgs(),
      options: { env, cwd: folder?.uri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "file", language: "json" },
        { scheme: "file", language: "jsonc" },
        { scheme: "file", language: "log" },
        { scheme: "file", pattern: "**/*.log" },
      ],
      initializationOptions: initializationOptions(settings.options, interpreter.command),
      outputChannel: this.log,
      traceOutputChannel: this.log,
    };
    const client = new LanguageClient("mlintern", "mlintern", serverOptions, clientOptions);
    try {
      await client.start();
    } catch (err) {
      const message = redact(`mlintern: the language server failed to start: ${String(err)}`, apiKey);
      this.log.error(message);
      void vscode.window.showErrorMessage(message, "Show Output").then((c) => c && this.log.show());
      await client.dispose().catch(() => undefined);
      return undefined;
    }
    client.onDidChangeState((event) => this.log.info(`Language server ${State[event.oldState]} -> ${State[event.newState]}.`));
    this.progress.install(client);
    client.onNotification(RUNS_NOTIFICATION, (params: unknown) => this.runsEmitter.fire(params));
    this.client = client;
    return client;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.stop().catch((err) => this.log.warn(`Stopping the server: ${String(err)}`));
      await client.dispose().catch(() => undefined);
    }
  }

  async restart(): Promise<LanguageClient | undefined> {
    await this.starting?.catch(() => undefined);
    await this.stop();
    return this.ready();
  }

  /** Run a server command, quietly (no progress UI); errors propagate to the caller. */
  async request(command: string, args: object): Promise<unknown> {
    const client = await this.ready();
    if (!client) {
      throw new Error("the mlintern language server is not running (see the 'mlintern' output)");
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
  }

  /** Run a server command behind a cancellable progress notification fed by the server's work-done
   *  progress. Returns undefined when it failed (the error is shown) or was cancelled. */
  async execute(title: string, command: string, args: object): Promise<unknown> {
    const client = await this.ready();
    if (!client) {
      return undefined;
    }
    this.log.info(`${command} ${JSON.stringify(args)}`);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `mlintern: ${title}`, cancellable: true },
      async (progress, cancel) => {
        const listeners: vscode.Disposable[] = [];
        let serverToken: string | number | undefined;
        const withdraw = this.progress.expect((token) => {
          serverToken = token;
          listeners.push(feedProgress(client, token, progress));
        });
        // Our own token too, for a server that reports on the request's workDoneToken.
        const ownToken = randomUUID();
        listeners.push(feedProgress(client, ownToken, progress));
        listeners.push(
          cancel.onCancellationRequested(() => {
            if (serverToken !== undefined) {
              void client.sendNotification(WorkDoneProgressCancelNotification.type, { token: serverToken });
            }
          }),
        );
        try {
          return await client.sendRequest(
            ExecuteCommandRequest.type,
            { command, arguments: [args], workDoneToken: ownToken },
            cancel,
          );
        } catch (err) {
          this.reportFailure(title, command, err, cancel.isCancellationRequested);
          return undefined;
        } finally {
          withdraw();
          listeners.forEach((l) => l.dispose());
        }
      },
    );
  }

  /** Log a failed command; show it unless the server already did (it shows every ToolError). */
  private reportFailure(title: string, command: string, err: unknown, cancelled: boolean): void {
    const code = err instanceof ResponseError ? err.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    if (cancelled || code === LSPErrorCodes.RequestCancelled) {
      this.log.info(`${command} cancelled.`);
      return;
    }
    this.log.error(`${command} failed: ${message}`);
    if (err instanceof ResponseError && isToolErrorData(err.data)) {
      return;
    }
    void vscode.window
      .showErrorMessage(`mlintern: ${title} failed: ${message}`, "Show Output")
      .then((choice) => choice && this.log.show());
  }

  dispose(): void {
    this.runsEmitter.dispose();
    void this.stop();
  }
}

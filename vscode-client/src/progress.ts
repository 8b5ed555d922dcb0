// Shows the server's work-done progress in VS Code.
//
// The mlintern server creates its own progress token (`window/workDoneProgress/create`) for each long
// tool call. vscode-languageclient would show that only as a small status bar spinner, so we take over
// that request: a token created while one of our commands is waiting feeds that command's cancellable
// notification; any other token (a failed run being diagnosed in the background, a PDF dropped into
// papers/) gets a status bar progress, as before.

import * as vscode from "vscode";
import {
  LanguageClient,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  WorkDoneProgressReport,
} from "vscode-languageclient/node";

type Token = string | number;
type Reporter = vscode.Progress<{ message?: string; increment?: number }>;

/** Feed LSP progress values for `token` into a VS Code progress reporter; returns the listener. */
export function feedProgress(
  client: LanguageClient,
  token: Token,
  progress: Reporter,
  onEnd?: () => void,
): vscode.Disposable {
  let reported = 0;
  return client.onProgress(WorkDoneProgress.type, token, (value) => {
    if (value.kind === "end") {
      onEnd?.();
      return;
    }
    const update = value as WorkDoneProgressBegin | WorkDoneProgressReport;
    if (typeof update.percentage === "number") {
      const percentage = Math.max(0, Math.min(update.percentage, 100));
      const increment = Math.max(0, percentage - reported);
      reported += increment;
      progress.report({ message: update.message, increment });
    } else if (update.message) {
      progress.report({ message: update.message });
    }
  });
}

export class ProgressRouter {
  /** Our commands waiting for the server's token, oldest first. */
  private readonly waiting: ((token: Token) => void)[] = [];

  /** Take over `window/workDoneProgress/create` (call after `client.start()`). */
  install(client: LanguageClient): vscode.Disposable {
    return client.onRequest(WorkDoneProgressCreateRequest.type, (params) => {
      const claim = this.waiting.shift();
      if (claim) {
        claim(params.token);
      } else {
        this.background(client, params.token);
      }
    });
  }

  /** Register a command that wants the next token; returns a function that withdraws it. */
  expect(claim: (token: Token) => void): () => void {
    this.waiting.push(claim);
    return () => {
      const index = this.waiting.indexOf(claim);
      if (index >= 0) {
        this.waiting.splice(index, 1);
      }
    };
  }

  /** A progress nobody waits for: a status bar spinner, cancellable, until the server ends it. */
  private background(client: LanguageClient, token: Token): void {
    let finish: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    let listener: vscode.Disposable | undefined;
    const first = client.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind !== "begin") {
        return;
      }
      first.dispose();
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `mlintern: ${value.title}`, cancellable: value.cancellable },
        (progress, cancel) => {
          listener = feedProgress(client, token, progress, finish);
          progress.report({ message: value.message });
          cancel.onCancellationRequested(() =>
            client.sendNotification(WorkDoneProgressCancelNotification.type, { token }),
          );
          return ended.finally(() => listener?.dispose());
        },
      );
    });
    void ended.finally(() => first.dispose());
  }
}

// The status bar item for the active run. The server pushes `mlintern/runs` (each project's latest run)
// whenever the workspace's runs change; the item shows step/total and loss of the run being followed,
// and opens the run's status when clicked. Nothing is polled.

import * as vscode from "vscode";
import { pickRun, RunsEntry, runsFromNotification, runView } from "./runStatus";
import { ServerController } from "./server";

export const SHOW_RUN_STATUS = "mlintern.client.showRunStatus";

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("mlintern.run", vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;
  private runs: RunsEntry[] = [];
  private announceFailure = false;
  /** The run shown (the last one started, or one found running). */
  runId: string | undefined;
  /** The shown run's latest entry, for Stop Training and Show Run Status. */
  last: unknown;

  constructor(
    server: ServerController,
    private readonly onFailed: (runId: string) => void,
  ) {
    this.item.name = "mlintern run";
    this.item.command = SHOW_RUN_STATUS;
    this.subscription = server.onRuns((params) => {
      this.runs = runsFromNotification(params);
      this.render();
    });
  }

  /** Follow `runId` until it ends; `announceFailure` raises a notification if it fails (for runs started in
   *  the background; a pilot's own command already reports its outcome). */
  track(runId: string, announceFailure = false): void {
    this.runId = runId;
    this.announceFailure = announceFailure;
    this.last = undefined;
    this.item.text = "$(sync~spin) mlintern starting…";
    this.item.tooltip = `mlintern run ${runId}`;
    this.item.show();
    this.render();
  }

  private render(): void {
    const run = pickRun(this.runs, this.runId);
    if (!run) {
      return;
    }
    if (run.run_id !== this.runId) {
      this.runId = run.run_id; // a run started elsewhere: follow it, quietly
      this.announceFailure = false;
    }
    this.last = run;
    const view = runView(run);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.show();
    if (view.failed && this.announceFailure) {
      this.announceFailure = false;
      this.onFailed(run.run_id);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.runId = undefined;
    this.item.dispose();
  }
}

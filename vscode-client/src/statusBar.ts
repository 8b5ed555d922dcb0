// The status bar item for the active run: polls `mlintern.trainingStatus` while the run is going,
// shows step/total and loss, and opens the run's status when clicked.

import * as vscode from "vscode";
import { LSP, statusArgs } from "./commandArgs";
import { runView } from "./runStatus";
import { ServerController } from "./server";

export const SHOW_RUN_STATUS = "mlintern.client.showRunStatus";

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("mlintern.run", vscode.StatusBarAlignment.Left, 10);
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private announceFailure = false;
  /** The run shown (the last one started or found running). */
  runId: string | undefined;
  /** The last training-status result, for Show Run Status. */
  last: unknown;

  constructor(
    private readonly server: ServerController,
    private readonly onFailed: (runId: string) => void,
  ) {
    this.item.name = "mlintern run";
    this.item.command = SHOW_RUN_STATUS;
  }

  /** Follow `runId` until it ends; `announceFailure` raises a notification if it fails (for runs started in
   *  the background; a pilot's own command already reports its outcome). */
  track(runId: string, announceFailure = false): void {
    this.runId = runId;
    this.announceFailure = announceFailure;
    this.item.text = "$(sync~spin) mlintern starting…";
    this.item.tooltip = `mlintern run ${runId}`;
    this.item.show();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private pollSeconds(): number {
    const value = vscode.workspace.getConfiguration("mlintern").get<number>("statusPollSeconds", 3);
    return Number.isFinite(value) && value >= 1 ? value : 3;
  }

  private async poll(): Promise<void> {
    const runId = this.runId;
    if (!runId || this.polling) {
      return;
    }
    this.polling = true;
    try {
      const result = await this.server.request(LSP.trainingStatus, statusArgs(runId));
      if (runId !== this.runId) {
        return; // another run was started meanwhile
      }
      this.last = result;
      const view = runView(result);
      this.item.text = view.text;
      this.item.tooltip = view.tooltip;
      if (view.active) {
        this.schedule(this.pollSeconds() * 1000);
        return;
      }
      if (view.failed && this.announceFailure) {
        this.onFailed(runId);
      }
    } catch (err) {
      this.server.log.warn(`training-status ${runId}: ${String(err)}`);
      this.item.text = "$(warning) mlintern run status unavailable";
      this.schedule(this.pollSeconds() * 3000);
    } finally {
      this.polling = false;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.runId = undefined;
    this.item.dispose();
  }
}

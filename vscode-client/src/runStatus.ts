// What the status bar shows for a run, from a `training-status` result.
// Pure module (no `vscode` import) so the unit tests run under plain node.

import { ACTIVE_STATUSES } from "./commandArgs";

export interface RunView {
  /** Status bar text, with a codicon. */
  text: string;
  tooltip: string;
  /** Still queued or running. */
  active: boolean;
  status: string;
  failed: boolean;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function field(source: unknown, ...keys: string[]): unknown {
  if (typeof source !== "object" || source === null) {
    return undefined;
  }
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined && value !== null) {
      return value;
    }
  }
  return undefined;
}

/** Compact loss: 3 significant digits, exponent form for tiny or huge values. */
export function formatLoss(loss: number): string {
  const magnitude = Math.abs(loss);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) {
    return loss.toExponential(2);
  }
  return loss.toPrecision(3);
}

const ICONS: Record<string, string> = {
  queued: "$(clock)",
  running: "$(sync~spin)",
  succeeded: "$(check)",
  failed: "$(error)",
  cancelled: "$(circle-slash)",
  lost: "$(warning)",
};

/** Read step, total, loss and state from a training-status result (`state`, `step`, `total_steps`,
 *  `last_metrics.loss`); tolerant of older shapes (`status`, loss at the top level). */
export function runView(result: unknown): RunView {
  const status = String(field(result, "state", "status") ?? "unknown");
  const latest = field(result, "last_metrics", "latest", "metrics");
  const step = num(field(result, "step")) ?? num(field(latest, "step"));
  const total = num(field(result, "total_steps", "total")) ?? num(field(latest, "total_steps"));
  const loss = num(field(result, "loss")) ?? num(field(latest, "loss"));
  const runId = String(field(result, "run_id", "id") ?? "");

  const parts: string[] = [];
  if (step !== undefined) {
    parts.push(total !== undefined ? `${step}/${total}` : `step ${step}`);
  }
  if (loss !== undefined) {
    parts.push(`loss ${formatLoss(loss)}`);
  }
  const active = ACTIVE_STATUSES.includes(status);
  const detail = parts.length > 0 ? parts.join(" · ") : status;
  const icon = ICONS[status] ?? "$(beaker)";
  const summary = String(field(result, "summary") ?? "").trim();
  const tooltip = [`mlintern run ${runId}: ${status}`, summary, "Click for details."].filter(Boolean).join("\n");
  return { text: `${icon} mlintern ${detail}`, tooltip, active, status, failed: status === "failed" };
}

/** The server's `mlintern/runs` notification: each project's latest run, newest first. */
export const RUNS_NOTIFICATION = "mlintern/runs";

/** One entry of `mlintern/runs` (the server's `lsp_convert.run_status`). */
export interface RunsEntry {
  run_id: string;
  project: string;
  status: string;
  mode?: string | null;
  step?: number | null;
  total_steps?: number | null;
  loss?: number | null;
}

/** The runs of an `mlintern/runs` notification, ignoring anything malformed. */
export function runsFromNotification(params: unknown): RunsEntry[] {
  const runs = (params as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) {
    return [];
  }
  return runs.filter(
    (r): r is RunsEntry =>
      typeof r === "object" && r !== null && typeof r.run_id === "string" && typeof r.status === "string",
  );
}

/** Which run the status bar shows: the tracked one while it is going; otherwise a run going elsewhere (the
 *  CLI, an agent, another window) if there is one; otherwise the tracked one's final state. */
export function pickRun(runs: readonly RunsEntry[], trackedId: string | undefined): RunsEntry | undefined {
  const tracked = trackedId === undefined ? undefined : runs.find((r) => r.run_id === trackedId);
  if (tracked && ACTIVE_STATUSES.includes(tracked.status)) {
    return tracked;
  }
  return runs.find((r) => ACTIVE_STATUSES.includes(r.status)) ?? tracked;
}

// The arguments object each mlintern LSP command receives, built from what the user picked.
// The server validates them against the tool's JSON Schema; this module only names them.
// Pure module (no `vscode` import) so the unit tests run under plain node.

import * as path from "path";

/** The server's command names (`Tool.lsp_command` in mlintern's registry). */
export const LSP = {
  parsePaper: "mlintern.parsePaper",
  scaffoldModel: "mlintern.scaffoldModel",
  runTraining: "mlintern.runTraining",
  trainingStatus: "mlintern.trainingStatus",
  stopTraining: "mlintern.stopTraining",
  diagnoseTraceback: "mlintern.diagnoseTraceback",
  reproducePaper: "mlintern.reproducePaper",
  workspaceStatus: "mlintern.workspaceStatus",
} as const;

/** A path as the server wants it: relative to the workspace root when inside it, POSIX separators. */
export function toWorkspacePath(absolute: string, root: string | undefined): string {
  if (root === undefined) {
    return absolute;
  }
  const relative = path.relative(root, absolute);
  if (relative === "") {
    return ".";
  }
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    return absolute;
  }
  return relative.split(path.sep).join("/");
}

export function parsePaperArgs(pdf: string, root: string | undefined): { paper: string } {
  return { paper: toWorkspacePath(pdf, root) };
}

export function scaffoldArgs(spec: string, output: string, root: string | undefined): { spec: string; output: string } {
  return { spec: toWorkspacePath(spec, root), output: toWorkspacePath(output, root) };
}

/** A pilot waits for its (seconds-long) result so diagnostics arrive at once; a full run returns its id
 *  immediately and is followed in the status bar. */
export function runTrainingArgs(
  project: string,
  root: string | undefined,
  pilot: boolean,
): { project: string; pilot: boolean; wait: boolean } {
  return { project: toWorkspacePath(project, root), pilot, wait: pilot };
}

export function runIdArgs(runId: string): { run_id: string } {
  return { run_id: runId };
}

/** reproduce-paper: the PDF and the repair bound (the server fills brain and budgets from its options,
 *  but has no option for repairs). */
export function reproduceArgs(
  pdf: string,
  root: string | undefined,
  maxRepairs: number,
): { paper: string; max_repairs: number } {
  return { paper: toWorkspacePath(pdf, root), max_repairs: maxRepairs };
}

/** A folder name from a paper title: "Attention Is All You Need" -> "attention-is-all-you-need". */
export function slugify(title: string, fallback = "model"): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/g, "");
  return slug || fallback;
}

/** Where Scaffold Model suggests writing the project: `projects/<slug>` in the workspace. */
export function defaultProjectDir(root: string, title: string | null | undefined, paperId?: string): string {
  return path.join(root, "projects", slugify(title ?? "", paperId ? `paper-${paperId.slice(0, 8)}` : "model"));
}

/** A run as `workspace-status` lists it. */
export interface RunRow {
  id: string;
  project: string;
  mode: string;
  status: string;
  started?: number | null;
  ended?: number | null;
  reason?: string | null;
}

/** A scaffolded project's own files (the server's tools/workspace.py: PROJECT_META, PROJECT_CONFIG). */
export const PROJECT_FILES = { meta: "mlintern.json", config: "config.json", readme: "README.md" } as const;

export const ACTIVE_STATUSES: readonly string[] = ["queued", "running"];
export const FINISHED_STATUSES: readonly string[] = ["succeeded", "failed", "cancelled", "lost"];

function newestFirst(runs: readonly RunRow[]): RunRow[] {
  const time = (r: RunRow): number => r.ended ?? r.started ?? 0;
  return [...runs].sort((a, b) => time(b) - time(a));
}

/** The run "Diagnose Last Failure" is about: the most recently ended failed run. */
export function lastFailedRun(runs: readonly RunRow[]): RunRow | undefined {
  return newestFirst(runs).find((r) => r.status === "failed");
}

/** Runs still going, newest first (for Stop Training and the status bar). */
export function activeRuns(runs: readonly RunRow[]): RunRow[] {
  return newestFirst(runs).filter((r) => ACTIVE_STATUSES.includes(r.status));
}

/** Pull the runs list out of a `workspace-status` result, ignoring anything malformed. */
export function runsFromStatus(result: unknown): RunRow[] {
  const runs = (result as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) {
    return [];
  }
  return runs.filter(
    (r): r is RunRow =>
      typeof r === "object" && r !== null && typeof r.id === "string" && typeof r.status === "string",
  );
}

/** A paper as `workspace-status` lists it. */
export interface PaperRow {
  id: string;
  source: string;
  title: string | null;
  family: string | null;
  has_spec: boolean;
  /** The spec file as workspace-status reports it (relative to the workspace): the server owns the layout. */
  spec: string;
}

export function papersFromStatus(result: unknown): PaperRow[] {
  const papers = (result as { papers?: unknown } | null)?.papers;
  if (!Array.isArray(papers)) {
    return [];
  }
  return papers.filter(
    (p): p is PaperRow =>
      typeof p === "object" && p !== null && typeof p.id === "string" && p.has_spec === true && typeof p.spec === "string",
  );
}

/** The first string field of a tool result among `keys` (results name their files differently). */
export function resultString(result: unknown, ...keys: string[]): string | undefined {
  if (typeof result !== "object" || result === null) {
    return undefined;
  }
  for (const key of keys) {
    const value = (result as Record<string, unknown>)[key];
    if (typeof value === "string" && value) {
      return value;
    }
  }
  return undefined;
}

/** A path from a tool result as an absolute path (results may give it relative to the workspace). */
export function absoluteIn(root: string | undefined, p: string): string {
  return path.isAbsolute(p) || root === undefined ? p : path.join(root, p);
}

/** A ToolError's JSON-RPC error data (`{error, message, hint}`): the server has shown it to the user
 *  already, so the client only logs it. Other errors (bugs, unknown commands) the client shows. */
export function isToolErrorData(data: unknown): boolean {
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as Record<string, unknown>).error === "string" &&
    typeof (data as Record<string, unknown>).message === "string"
  );
}

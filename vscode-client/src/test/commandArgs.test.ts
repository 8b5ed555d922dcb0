import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  absoluteIn,
  activeRuns,
  defaultProjectDir,
  isToolErrorData,
  lastFailedRun,
  papersFromStatus,
  parsePaperArgs,
  reproduceArgs,
  resultString,
  RunRow,
  runIdArgs,
  runsFromStatus,
  runTrainingArgs,
  scaffoldArgs,
  slugify,
  toWorkspacePath,
} from "../commandArgs";

const ROOT = "/work/ws";

describe("toWorkspacePath", () => {
  it("makes paths inside the workspace relative, with forward slashes", () => {
    assert.equal(toWorkspacePath(path.join(ROOT, "papers", "a.pdf"), ROOT), "papers/a.pdf");
    assert.equal(toWorkspacePath(ROOT, ROOT), ".");
  });

  it("leaves paths outside the workspace absolute, so the server can refuse them clearly", () => {
    assert.equal(toWorkspacePath("/tmp/a.pdf", ROOT), "/tmp/a.pdf");
    assert.equal(toWorkspacePath("/work/ws-other/a.pdf", ROOT), "/work/ws-other/a.pdf");
  });

  it("keeps the path when there is no workspace", () => {
    assert.equal(toWorkspacePath("/tmp/a.pdf", undefined), "/tmp/a.pdf");
  });
});

describe("tool arguments", () => {
  it("parse-paper and reproduce-paper take the PDF", () => {
    assert.deepEqual(parsePaperArgs(`${ROOT}/papers/attention.pdf`, ROOT), { paper: "papers/attention.pdf" });
    assert.deepEqual(reproduceArgs(`${ROOT}/p.pdf`, ROOT, 2), { paper: "p.pdf", max_repairs: 2 });
  });

  it("scaffold-model takes the spec and the output folder", () => {
    assert.deepEqual(scaffoldArgs(`${ROOT}/.mlintern/papers/ab/spec.json`, `${ROOT}/projects/t`, ROOT), {
      spec: ".mlintern/papers/ab/spec.json",
      output: "projects/t",
    });
  });

  it("a pilot waits for its result; a full run returns at once", () => {
    assert.deepEqual(runTrainingArgs(`${ROOT}/projects/t`, ROOT, true), { project: "projects/t", pilot: true, wait: true });
    assert.deepEqual(runTrainingArgs(`${ROOT}/projects/t`, ROOT, false), { project: "projects/t", pilot: false, wait: false });
  });

  it("status, stop and diagnose take the run id", () => {
    assert.deepEqual(runIdArgs("r1"), { run_id: "r1" });
  });
});

describe("project folder suggestion", () => {
  it("slugs the paper title", () => {
    assert.equal(slugify("Attention Is All You Need"), "attention-is-all-you-need");
    assert.equal(slugify("  Déjà vu: ResNet-50 (v2)!  "), "deja-vu-resnet-50-v2");
    assert.equal(slugify("!!!"), "model");
    assert.ok(slugify("x".repeat(200)).length <= 48);
  });

  it("puts projects under projects/ and falls back to the paper id", () => {
    assert.equal(defaultProjectDir(ROOT, "Deep Residual Learning"), path.join(ROOT, "projects", "deep-residual-learning"));
    assert.equal(defaultProjectDir(ROOT, null, "0123456789abcdef"), path.join(ROOT, "projects", "paper-01234567"));
  });
});

describe("runs from workspace-status", () => {
  const runs: RunRow[] = [
    { id: "old-fail", project: "/p", mode: "pilot", status: "failed", started: 10, ended: 20 },
    { id: "ok", project: "/p", mode: "full", status: "succeeded", started: 30, ended: 40 },
    { id: "new-fail", project: "/p", mode: "pilot", status: "failed", started: 50, ended: 60 },
    { id: "running", project: "/q", mode: "full", status: "running", started: 70, ended: null },
    { id: "queued", project: "/q", mode: "full", status: "queued", started: null, ended: null },
  ];

  it("finds the most recent failure", () => {
    assert.equal(lastFailedRun(runs)?.id, "new-fail");
    assert.equal(lastFailedRun(runs.filter((r) => r.status !== "failed")), undefined);
  });

  it("lists the runs still going, newest first", () => {
    assert.deepEqual(activeRuns(runs).map((r) => r.id), ["running", "queued"]);
  });

  it("ignores malformed entries", () => {
    assert.deepEqual(runsFromStatus({ runs: [{ id: 1 }, null, "x", runs[0]] }), [runs[0]]);
    assert.deepEqual(runsFromStatus(undefined), []);
    assert.deepEqual(runsFromStatus({ runs: "nope" }), []);
  });

  it("offers only papers that have a spec, at the path the server reports", () => {
    const papers = papersFromStatus({
      papers: [
        { id: "a", source: "a.pdf", title: "A", family: "vit", has_spec: true, spec: ".mlintern/papers/a/spec.json" },
        { id: "b", source: "b.pdf", title: null, family: null, has_spec: false, spec: null },
        { id: "c", source: "c.pdf", title: null, family: null, has_spec: true },
      ],
    });
    assert.deepEqual(papers.map((p) => [p.id, p.spec]), [["a", ".mlintern/papers/a/spec.json"]]);
  });
});

describe("reading results", () => {
  it("takes the first non-empty string among the keys", () => {
    assert.equal(resultString({ spec_path: "", spec: "s.json" }, "spec_path", "spec"), "s.json");
    assert.equal(resultString({ run_id: 3 }, "run_id"), undefined);
    assert.equal(resultString(null, "x"), undefined);
  });

  it("resolves result paths against the workspace", () => {
    assert.equal(absoluteIn(ROOT, "projects/t"), path.join(ROOT, "projects/t"));
    assert.equal(absoluteIn(ROOT, "/abs/t"), "/abs/t");
  });
});

describe("isToolErrorData", () => {
  it("recognises the data of a ToolError response, which the server has already shown", () => {
    assert.equal(isToolErrorData({ error: "not_found", message: "x.pdf does not exist", hint: null }), true);
  });

  it("rejects anything else, which the client must show itself", () => {
    for (const data of [undefined, null, "text", { message: "m" }, { error: 1, message: "m" }]) {
      assert.equal(isToolErrorData(data), false, JSON.stringify(data));
    }
  });
});

import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLoss, pickRun, runsFromNotification, runView } from "../runStatus";

describe("runView", () => {
  it("shows step/total and loss of a running run, and counts as active", () => {
    const view = runView({ run_id: "r1", status: "running", step: 120, total_steps: 1000, loss: 2.3456 });
    assert.equal(view.text, "$(sync~spin) mlintern 120/1000 · loss 2.35");
    assert.equal(view.active, true);
    assert.equal(view.failed, false);
    assert.match(view.tooltip, /run r1: running/);
  });

  it("reads training-status results: state, step, total_steps and last_metrics", () => {
    const view = runView({ run_id: "r2", state: "running", step: 5, total_steps: 10, last_metrics: { step: 5, loss: 0.5 } });
    assert.equal(view.text, "$(sync~spin) mlintern 5/10 · loss 0.500");
    assert.equal(view.status, "running");
    assert.equal(runView({ state: "failed", step: null, total_steps: 10, last_metrics: {} }).failed, true);
  });

  it("shows the status alone before the first metrics", () => {
    const view = runView({ status: "queued" });
    assert.equal(view.text, "$(clock) mlintern queued");
    assert.equal(view.active, true);
  });

  it("is no longer active when the run ends, and flags failures", () => {
    const failed = runView({ status: "failed", step: 3, summary: "CUDA error" });
    assert.equal(failed.active, false);
    assert.equal(failed.failed, true);
    assert.equal(failed.text, "$(error) mlintern step 3");
    assert.match(failed.tooltip, /CUDA error/);
    assert.equal(runView({ status: "succeeded" }).active, false);
    assert.equal(runView({ status: "cancelled" }).active, false);
  });

  it("copes with garbage", () => {
    const view = runView(null);
    assert.equal(view.active, false);
    assert.equal(view.status, "unknown");
    assert.equal(runView({ status: "running", step: "x", loss: Number.NaN }).text, "$(sync~spin) mlintern running");
  });
});

describe("formatLoss", () => {
  it("keeps three significant digits and switches to exponents at the extremes", () => {
    assert.equal(formatLoss(2.34567), "2.35");
    assert.equal(formatLoss(0), "0.00");
    assert.equal(formatLoss(0.00001234), "1.23e-5");
    assert.equal(formatLoss(123456), "1.23e+5");
  });
});

describe("the server's mlintern/runs notification", () => {
  const entry = (run_id: string, status: string, project = "p") => ({ run_id, project, status, step: 3, total_steps: 10, loss: 1.5 });

  it("keeps well-formed entries only", () => {
    const runs = runsFromNotification({ runs: [entry("a", "running"), { run_id: 1 }, null, { status: "failed" }] });
    assert.deepEqual(runs.map((r) => r.run_id), ["a"]);
    assert.deepEqual(runsFromNotification(undefined), []);
    assert.deepEqual(runsFromNotification({ runs: "no" }), []);
  });

  it("shows the tracked run while it goes, and its end when nothing else runs", () => {
    assert.equal(pickRun([entry("b", "running", "q"), entry("a", "running")], "a")?.run_id, "a");
    assert.equal(pickRun([entry("a", "failed")], "a")?.status, "failed");
    assert.equal(runView(pickRun([entry("a", "running")], "a")).text, "$(sync~spin) mlintern 3/10 · loss 1.50");
  });

  it("follows a run started elsewhere once the tracked one has ended, or when none is tracked", () => {
    assert.equal(pickRun([entry("a", "succeeded"), entry("b", "running", "q")], "a")?.run_id, "b");
    assert.equal(pickRun([entry("b", "queued", "q")], undefined)?.run_id, "b");
    assert.equal(pickRun([entry("a", "succeeded")], undefined), undefined);
  });
});

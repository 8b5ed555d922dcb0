"""The autonomous loop for one paper.

parse -> plan -> scaffold -> pilot (sandboxed) -> [diagnose -> fix -> pilot]* ->
full run within the budget -> evaluate -> export -> report.

Every step is a registry tool call (the same tools MCP, LSP and the CLI
expose), and after each one the loop's state is appended to the workspace
event log, so a killed loop, run again, continues where it stopped (a training
run that was in flight is found again through ``training-status``). The
guardrails live here, outside the brain: wall-clock and training budgets,
repair attempts, the LLM dollar budget (in the brain's spend, checked before
each call), the doom-loop guard and approvals. Whatever stops the loop, a
report is written that says why.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from mlintern.sandbox import files
from mlintern.tools import registry
from mlintern.tools.diagnose.rules_api import KNOWN_DISTRIBUTIONS
from mlintern.tools.errors import Cancelled, ToolError
from mlintern.tools.reproduce import state as st
from mlintern.tools.reproduce.brains.base import OfflineRules
from mlintern.tools.reproduce.budget import Budget, BudgetExhausted
from mlintern.tools.reproduce.edits import apply_edits
from mlintern.tools.reproduce.events import Events
from mlintern.tools.reproduce.guards import Approver, DoomLoop, DoomLoopGuard
from mlintern.tools.training import claims
from mlintern.tools.training.learning import num_classes_of
from mlintern.tools.training.metrics import EVAL_METRICS

EVAL_KEYS = ("loss", *EVAL_METRICS)
TERMINAL = {"succeeded", "failed", "cancelled", "lost", "stopped", "timeout"}
PILOT_SECONDS = 90.0  # a pilot is meant to take seconds; this caps a slow one


@dataclass
class Options:
    """What the user chose on the command line (or the MCP tool's arguments)."""

    budget_minutes: float = 10.0
    train_minutes: float | None = None
    max_repairs: int = 3
    max_usd: float = 1.0
    yes: bool = False
    sandbox: bool = True
    restart: bool = False
    push_to_hub: str | None = None
    nproc: int = 1  # > 1: the full run under torchrun, after approval
    variant: str | None = None  # the person's choice of the paper's variants: always run as named
    memory_gb: float | None = None  # the memory the runs may use (default: what this machine has); enforced


class Stop(Exception):
    """The loop ends early for a reason that is not a failure of mlintern (no fix, declined, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def paper_key(source: str) -> str:
    """A folder-safe name for a paper: the PDF's stem or the arXiv id."""
    stem = Path(source).stem if source.lower().endswith(".pdf") else source
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "paper"


class Agent:
    """Runs the loop on one paper inside one workspace."""

    def __init__(
        self,
        workspace,
        source: str,
        *,
        brain: OfflineRules,
        options: Options,
        display: Events | None = None,
        approver: Approver | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self.ws = workspace
        self.source = source
        self.key = paper_key(source)
        self.brain = brain
        self.opts = options
        self.display = display or Events()
        self.approver = approver or Approver(pre_approved=options.yes)
        # The user's cancel (Ctrl-C, MCP cancellation) and this paper's deadline both end up in
        # ``cancel_event``; the user's event is only read, so a deadline never leaks to the next paper.
        self.user_cancel = cancel_event or threading.Event()
        self.cancel_event = threading.Event()
        self.out_dir = workspace.path(Path("auto") / self.key, write=True)
        self.project = self.out_dir / "project"
        self._step = "start"

    # ----------------------------------------------------------- plumbing
    def emit(self, kind: str, message: str = "", **data) -> None:
        self.display.event(kind, paper=self.key, step=self._step, message=message, **data)

    def save(self, step: str) -> None:
        self.s.elapsed_s = round(self.budget.elapsed, 2)
        self.s.train_spent_s = round(self.budget.train_spent_s, 2)
        self.s.llm = self.brain.usage()
        self.s.approvals = self.approver.decisions
        st.save_state(self.ws, self.key, step, self.s)

    def ctx(self, cancel_event: threading.Event | None = None) -> registry.ToolContext:
        def progress(done, total, message):
            self.emit("progress", message or (f"{done:g}/{total:g}" if total else f"{done:g}"))

        return registry.ToolContext(
            self.ws,
            face="agent",
            progress=progress,
            log=lambda m: self.emit("log", m),
            cancel_event=cancel_event or self.cancel_event,
            brain=self.brain if self.brain.uses_llm else None,
            ask_approval=self._approve_sandbox_switch,
        )

    def _approve_sandbox_switch(self, question: str) -> bool:
        """run-training asks before weakening the sandbox; the decision lands in the report's approvals.
        --no-sandbox given to the agent is the person's approval of that one switch."""
        if not self.opts.sandbox and "without the sandbox" in question:
            self.approver.decisions.append(
                {
                    "action": "run the training code without the sandbox",
                    "detail": question,
                    "approved": True,
                    "how": "--no-sandbox given",
                }
            )
            return True
        return self.approver.approve("weaken the training sandbox", question)

    def call(self, name: str, args: dict, *, cancel_event: threading.Event | None = None) -> dict:
        return registry.call(name, args, self.ctx(cancel_event))

    def run_tool_for_brain(self, name: str, args: dict) -> dict:
        """What an LLM brain may call: read-only registry tools, through the same logging."""
        tool = registry.get(name)
        if not tool.read_only:
            raise ToolError(f"{name} is not read-only; the brain may only look, the loop acts.")
        return self.call(name, args)

    # -------------------------------------------------------------- the loop
    def run(self) -> dict:
        """Run (or resume) the loop; always ends with a report. Returns the final state."""
        if self.opts.restart:
            st.reset_state(self.ws, self.key)
        saved = st.load_state(self.ws, self.key)
        self.s: st.LoopState = saved or st.LoopState(
            paper=self.key, source=self.source, brain=self.brain.name
        )
        resumed = saved is not None
        self.budget = Budget(
            wall_minutes=self.opts.budget_minutes,
            train_minutes=self.opts.train_minutes,
            max_repairs=self.opts.max_repairs,
            spent_before=self.s.elapsed_s,
        )
        self.budget.train_spent_s = self.s.train_spent_s
        self.budget.repairs = len(self.s.repairs) + len(self.s.installs)
        self.guard = DoomLoopGuard(self.s.seen_diagnoses, self.s.seen_edits)
        if resumed and "report" not in self.s.steps:
            self.s.resumes += 1
            self.emit("step", f"resuming after {self.s.elapsed_s:.0f} s already spent", resumed=True)
        if resumed and "report" not in self.s.steps:
            self.s.stop = None  # a killed session's stop (if any) is history now
            if (self.s.steps.get("evaluate") or {}).get("after_stop"):
                del self.s.steps["evaluate"]  # measured after a stop: evaluate again when the loop gets there
        self.s.started = self.s.started or time.time()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        finished = threading.Event()
        watchdog = threading.Thread(target=self._watch_limits, args=(finished,), daemon=True)
        watchdog.start()
        try:
            if "report" not in self.s.steps:
                self._run_steps()
        except BudgetExhausted as err:
            self._stopped(f"budget_{err.kind}", str(err))
        except DoomLoop as err:
            self._stopped("doom_loop", str(err))
        except Stop as err:
            self._stopped(err.kind, str(err))
        except Cancelled:
            if self.user_cancel.is_set():
                self._stop_pending("cancelled by the user")
                self._stopped("cancelled", "cancelled by the user")
            else:
                self._stopped("budget_wall", f"wall-clock budget of {self.opts.budget_minutes:g} min spent.")
        except ToolError as err:
            self._stopped("tool_error", f"{self._step} failed: {err}")
        except Exception as err:  # a bug in a tool or here: still leave an honest report behind
            self._stopped(
                "internal_error",
                f"{self._step} crashed: {type(err).__name__}: {err} "
                f"({_where(err)}); please report this as a bug",
            )
        except KeyboardInterrupt:
            self._stop_pending("interrupted by the user (Ctrl-C); rerun to resume")
            raise
        finally:
            finished.set()
            watchdog.join(timeout=2)
        self._evaluate_after_stop()
        self._step = "report"
        self._report()
        return self.s

    def _watch_limits(self, finished: threading.Event) -> None:
        """Set the cancel event at the wall-clock deadline or when the user cancels."""
        while not finished.wait(0.25):
            if self.user_cancel.is_set() or self.budget.wall_left <= 0:
                self.cancel_event.set()
                return

    def _stop_pending(self, reason: str) -> None:
        pending = self.s.pending
        if pending:
            try:
                self.call("stop-training", {"run_id": pending["run_id"]}, cancel_event=threading.Event())
            except ToolError:
                pass
            self.save(self._step)

    def _stopped(self, kind: str, message: str) -> None:
        self.s.stop = {"kind": kind, "step": self._step, "message": message}
        self.emit("stop", message, reason=kind)
        self.save(self._step)

    def _once(self, step: str, fn) -> dict:
        """Run ``fn`` unless a previous session finished this step; record its result."""
        if step in self.s.steps:
            return self.s.steps[step]
        self._step = step
        self.budget.check_wall()
        self.emit("step", "started")
        started = time.monotonic()
        result = fn()
        result = {**result, "seconds": round(time.monotonic() - started, 2)}
        self.s.steps[step] = result
        self.save(step)
        self.emit("done", result.get("summary_line", ""))
        return result

    def _run_steps(self) -> None:
        self._once("parse", self._parse)
        self._once("fit", self._fit)
        self._once("plan", self._plan)
        self._once("scaffold", self._scaffold)
        self._pilot_until_it_trains()
        self._once("full", self._full_run)
        self._once("evaluate", self._evaluate)
        self._once("export", self._export)
        if self.brain.uses_llm:
            self._once("review", self._review)

    # ---------------------------------------------------------------- steps
    def _parse(self) -> dict:
        # An LLM brain may add values the rules missed (each verified verbatim on its page).
        res = self.call("parse-paper", {"paper": self.source, "refine": self.brain.uses_llm})
        spec = res.get("spec") or {}
        family = res.get("family")
        if isinstance(family, dict):
            family = family.get("value")
        return {
            "paper_id": res.get("paper_id"),
            "spec_path": res.get("spec_path"),
            "family": family,
            "title": spec.get("title"),
            "warnings": list(res.get("warnings") or [])[:20],
            "summary_line": f"{spec.get('title') or self.key} ({family})",
        }

    def _plan(self) -> dict:
        from mlintern.tools.reproduce.plan import write_plan

        path, assumptions, estimates = write_plan(self)
        self.emit("plan", f"wrote {self.ws.relative(path)} ({len(assumptions)} assumptions)")
        return {
            "path": str(path),
            "assumptions": assumptions,
            "estimates": estimates,
            "summary_line": self.ws.relative(path),
        }

    def _fit(self) -> dict:
        """Scaffold the variant to run and check that its training step fits this machine's memory.

        The person's ``--variant`` is run as named. Otherwise the paper's default variant is measured
        (``fit.py``); when it does not fit, a smaller micro batch keeps the paper's variant and batch (train.py
        accumulates gradients), and when even one example does not fit, the largest variant the paper lists
        that fits is run instead, said in PLAN.md, the events and the report's first line."""
        from mlintern.tools.reproduce import fit
        from mlintern.tools.reproduce.plan import load_spec

        spec = load_spec(self)
        variants = spec.get("variants") if isinstance(spec.get("variants"), dict) else {}
        paper_variant = spec.get("default_variant") if spec.get("default_variant") in variants else None
        first = self.opts.variant or paper_variant
        avail = fit.available_memory(self.opts.memory_gb)
        out = {
            "paper_variant": paper_variant,
            "requested": self.opts.variant,
            "names": list(variants),
            "available": avail,
            "tried": [],
        }

        self._fit_tried: list[dict] = []

        def try_variant(name: str | None) -> tuple[dict, dict | None]:
            # the loop owns the project folder (a resumed or restarted loop finds its own earlier files there)
            args = {
                "spec": self.s.steps["parse"]["spec_path"],
                "output": str(self.project),
                "overwrite": True,
            }
            if name:
                args["variant"] = name
            res = self.call("scaffold-model", args)
            try:
                mem = fit.training_memory(self.project, available=avail["bytes"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError, ToolError) as err:
                self.s.notes.append(f"The memory of {name or 'the model'} could not be estimated: {err}")
                mem = None
            out["tried"].append({"variant": name, "memory": mem})
            self._fit_tried.append({"variant": name, "memory": mem, "result": res})
            return res, mem

        res, mem = try_variant(first)
        chosen, chosen_res, chosen_mem, micro = first, res, mem, None
        if mem is not None and not fit.fits(mem["total"], avail["bytes"]):
            micro = fit.largest_micro_batch(mem, avail["bytes"])
            if self.opts.variant or micro is not None:
                pass  # the person's variant as named; or the paper's, with a smaller micro batch
            elif variants:
                best = self._smaller_variant(spec, first, mem, avail, try_variant)
                if best is not None:
                    chosen, chosen_res, chosen_mem, micro = best
                    if out["tried"][-1]["variant"] != chosen:
                        chosen_res = (
                            self.call(  # the last one tried is in the project folder: put the chosen back
                                "scaffold-model",
                                {
                                    "spec": self.s.steps["parse"]["spec_path"],
                                    "output": str(self.project),
                                    "variant": chosen,
                                    "overwrite": True,
                                },
                            )
                        )
        none_fits = micro == "none"
        if micro == "none":
            micro = None
        if isinstance(micro, int) and chosen_mem and micro < chosen_mem["micro_batch"]:
            self._set_micro_batch(micro, chosen_mem, avail)
            chosen_mem = fit.at_micro_batch(chosen_mem, micro)
        out.update(
            variant=chosen,
            memory=chosen_mem,
            paper_memory=mem,
            micro_batch=micro,
            scaffold=chosen_res,
            message=_fit_message(
                paper_variant, self.opts.variant, chosen, mem, chosen_mem, micro, avail, none_fits
            ),
        )
        out["summary_line"] = out["message"]
        if chosen != first or micro or (mem and not fit.fits(mem["total"], avail["bytes"])):
            self.s.notes.append(out["message"])
            self.emit("warning", out["message"], variant=chosen, paper_variant=paper_variant)
        return out

    def _smaller_variant(self, spec: dict, first: str | None, mem: dict, avail: dict, try_variant):
        """``(name, scaffold result, memory, micro batch | None | "none")`` of the largest listed variant smaller
        than ``first`` whose step fits (``"none"``: none fits, the smallest is returned). A variant whose
        stated parameter count alone (weights, gradients, optimizer state) cannot fit is not scaffolded."""
        from mlintern.tools.reproduce import fit

        variants = spec["variants"]
        per_param = mem["weights_grads_optimizer"] / max(mem["params"], 1)
        skipped: str | None = None
        for name in fit.variant_order(spec, exclude=first):
            stated = fit._value(variants[name], "num_params")
            if isinstance(stated, (int, float)):
                if stated >= mem["params"]:
                    continue  # not smaller than the one that did not fit
                if not fit.fits(int(stated * per_param) + mem["overhead"], avail["bytes"]):
                    skipped = name  # its stated size alone does not fit: the smallest such is kept
                    continue
            res, mem2 = try_variant(name)
            if mem2 is None or mem2["params"] >= mem["params"]:
                continue
            if fit.fits(mem2["total"], avail["bytes"]):
                return name, res, mem2, None
            small = fit.largest_micro_batch(mem2, avail["bytes"])
            if small is not None:
                return name, res, mem2, small
            skipped = name
        if skipped is None:
            return None
        last = next((t for t in reversed(self._fit_tried) if t["variant"] == skipped), None)
        if last is None:
            res, mem2 = try_variant(skipped)
        else:
            res, mem2 = last["result"], last["memory"]
        return (skipped, res, mem2, "none") if mem2 else None

    def _set_micro_batch(self, micro: int, mem: dict, avail: dict) -> None:
        """The paper's batch is kept: train.py accumulates gradients over micro batches of ``micro``."""
        # the generated model ran (measured, sandboxed) with the project as its writable folder: read and
        # replace config.json without following a link it may have planted
        path = self.project / "config.json"
        config = json.loads(files.read_text(path, limit=4 * files.MiB, root=self.project))
        config["train"]["micro_batch_size"] = {
            "value": int(micro),
            "source": "default",
            "reason": f"the largest micro batch whose training step fits {avail['what']} (was "
            f"{mem['micro_batch']}); gradient accumulation keeps the paper's batch of {mem['batch']}",
        }
        files.write_text(path, json.dumps(config, indent=2) + "\n", root=self.project)

    def _scaffold(self) -> dict:
        fitted = (self.s.steps.get("fit") or {}).get("scaffold")
        if fitted:  # the fit step scaffolded the variant it chose into the project folder
            res = fitted
        else:
            args = {"spec": self.s.steps["parse"]["spec_path"], "output": str(self.project)}
            if self.opts.variant:
                args["variant"] = self.opts.variant
            res = self.call("scaffold-model", args)
        keep = {
            k: res.get(k)
            for k in (
                "project",
                "family",
                "params_full",
                "params_pilot",
                "params_paper",
                "params_delta",
                "variant",
                "assumptions",
            )
        }
        keep["summary_line"] = (
            f"{res.get('family')} project, {_fmt_params(res.get('params_full'))} parameters"
        )
        return keep

    def _pilot_until_it_trains(self) -> None:
        while True:
            last = self.s.pilots[-1] if self.s.pilots else None
            if last is None or (last.get("repaired") and not last.get("ok")):
                self._step = f"pilot {len(self.s.pilots) + 1}"
                run = self._train("pilot", PILOT_SECONDS, None)
                self.s.pilots.append(run)
                self.save(self._step)
                last = run
                kind = "done" if run["ok"] else "warning"
                self.emit(kind, f"{run['status']}; loss {_fmt_loss(run)}", ok=run["ok"], run_id=run["run_id"])
            if last["ok"]:
                return
            if last["status"] == "succeeded" or last["stopped_by_budget"]:
                # It ran but did not learn: honest, and not something a traceback can fix.
                self.s.notes.append(
                    f"The pilot ended ({last['status']}: {last.get('reason') or 'ok'}) but its loss did not fall."
                )
                return
            self._repair(last)
            last["repaired"] = True
            self.save(self._step)

    def _expected_full_steps(self, seconds: float) -> int | None:
        """Full-run steps that fit in ``seconds``, from the pilot's speed scaled by model and batch size."""
        pilot = self.s.pilots[-1] if self.s.pilots else None
        rows = [r for r in st.read_metrics(pilot.get("run_dir")) if "split" not in r] if pilot else []
        timed = [
            r for r in rows if isinstance(r.get("time"), (int, float)) and isinstance(r.get("step"), int)
        ]
        if len(timed) < 3:
            return None
        a, b = timed[len(timed) // 3], timed[-1]  # skip the warm-up steps
        if b["step"] <= a["step"] or b["time"] <= a["time"]:
            return None
        pilot_step_s = (b["time"] - a["time"]) / (b["step"] - a["step"])
        scaffold = self.s.steps["scaffold"]
        ratio = (scaffold.get("params_full") or 1) / max(scaffold.get("params_pilot") or 1, 1)
        try:
            cfg = files.read_json_object(self.project / "config.json")  # the run can rewrite it
            full_batch = (cfg["train"]["batch_size"] or {}).get("value")
            pilot_batch = cfg["pilot"]["train"].get("batch_size")
            ratio *= full_batch / pilot_batch if full_batch and pilot_batch else 1
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return max(1, int(seconds / (pilot_step_s * max(ratio, 1.0))))

    def _train(
        self, mode: str, wanted_s: float, max_steps: int | None, *, ckpt_every: int | None = None
    ) -> dict:
        """Start (or find again) a run of ``mode`` and follow it to the end."""
        pending = self.s.pending
        run_id = None
        if pending and pending["mode"] == mode:
            run_id = pending["run_id"]
            status = self.ws.get_run(run_id)
            if status is None or status["status"] in {"lost", "cancelled"}:
                run_id = None  # killed with us: start again (a full run from its checkpoint, below)
        seconds = self.budget.training_seconds(wanted_s)
        if run_id is None:
            args = {
                "project": str(self.project),
                "pilot": mode == "pilot",
                "wait": False,
                "max_minutes": round(seconds / 60.0, 4),
                "sandbox": self.opts.sandbox,
            }
            if max_steps:
                args["max_steps"] = int(max_steps)
            if self.opts.memory_gb:
                args["max_memory_gb"] = float(self.opts.memory_gb)
            if ckpt_every:
                args["ckpt_every"] = int(ckpt_every)
            if mode == "full" and self.opts.nproc > 1 and self._approved_processes():
                args.update(launcher="torchrun", nproc_per_node=self.opts.nproc)
            if pending and pending["mode"] == mode == "full":
                args["resume"] = True
            res = self.call("run-training", args)
            run_id = res["run_id"]
            self.s.pending = {"mode": mode, "run_id": run_id}
            self.save(self._step)
        started = time.monotonic()
        run = self._follow(run_id, seconds)
        self.budget.train_spent_s += time.monotonic() - started
        self.s.pending = None
        metrics_dir = (run.get("meta") or {}).get("out_dir") or run.get("run_dir")
        summary = st.loss_summary(st.read_losses(metrics_dir), num_classes=self._num_classes())
        trained = run["status"] == "succeeded" or run["stopped_by_budget"]
        return {
            "mode": mode,
            "run_id": run_id,
            "status": run["status"],
            "reason": run.get("reason"),
            "run_dir": metrics_dir,
            "seconds": round(time.monotonic() - started, 2),
            "loss": summary,
            "ok": trained and summary["fell"],
            "stopped_by_budget": run.get("stopped_by_budget", False),
            "max_seconds": round(seconds, 1),
        }

    def _num_classes(self) -> int | None:
        """The classes (or vocabulary) the loss is over, for the learning check's trivial baseline."""
        try:
            return num_classes_of(files.read_json_object(self.project / "config.json"))
        except (OSError, ValueError):
            return None

    def _approved_processes(self) -> bool:
        ok = self.approver.approve(
            "launch several training processes", f"torchrun with {self.opts.nproc} processes for the full run"
        )
        if not ok:
            self.s.notes.append(
                f"A {self.opts.nproc}-process launch was not approved; the full run used one process."
            )
        return ok

    def _follow(self, run_id: str, seconds: float) -> dict:
        """Poll the run until it ends; stop it when the budget runs out."""
        limit = time.monotonic() + seconds + 15  # the run enforces its own limit; this is the backstop
        last_report = 0.0
        stopped_by_budget = False
        while True:
            run = self.ws.require_run(run_id)
            if run["status"] in TERMINAL:
                break
            now = time.monotonic()
            if now - last_report > 3:
                last_report = now
                meta = run.get("meta") or {}
                loss = (meta.get("last_metrics") or {}).get("loss")
                if meta.get("step") is not None:
                    self.emit(
                        "progress",
                        f"step {meta['step']}/{meta.get('total_steps') or '?'}"
                        + (f", loss {loss:.4f}" if isinstance(loss, (int, float)) else ""),
                        run_id=run_id,
                    )
            if self.cancel_event.is_set() or now > limit:
                stopped_by_budget = not self.user_cancel.is_set()
                self.call("stop-training", {"run_id": run_id}, cancel_event=threading.Event())
                self._wait_terminal(run_id)
                if not stopped_by_budget:
                    raise Cancelled("cancelled by the user")
                run = self.ws.require_run(run_id)
                break
            time.sleep(0.3)
        self._refresh_status(run_id)
        run = self.ws.require_run(run_id)
        run["stopped_by_budget"] = stopped_by_budget or "time budget" in (run.get("reason") or "")
        return run

    def _wait_terminal(self, run_id: str, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.ws.require_run(run_id)["status"] not in TERMINAL:
            time.sleep(0.2)

    def _refresh_status(self, run_id: str) -> None:
        try:  # training-status also refreshes the run's loss plot
            self.call("training-status", {"run_id": run_id}, cancel_event=threading.Event())
        except ToolError:
            pass

    def _repair(self, failed: dict) -> None:
        self._step = f"repair {self.budget.repairs + 1}"
        self.budget.take_repair()
        self.emit("step", f"diagnosing {failed['run_id']}")
        diag = self.call("diagnose-traceback", {"run_id": failed["run_id"], "project": str(self.project)})
        self.guard.see_diagnosis(diag)
        self.s.seen_diagnoses = self.guard.diagnoses
        record = {
            "run_id": failed["run_id"],
            "diagnosis_id": diag.get("diagnosis_id"),
            "category": diag.get("category"),
            "explanation": diag.get("explanation"),
            "error": diag.get("error"),
            "location": diag.get("location"),
        }
        install = diag.get("install")  # diagnose-traceback's field for a missing distribution
        if install and install.get("package"):
            self._install(install["package"], record)
            return
        decision = self.brain.choose_fix(diag, tried=self.guard.edits, tool_runner=self.run_tool_for_brain)
        record["decision"] = decision
        if decision["fix"] is None:
            self.s.repairs.append({**record, "applied": False})
            raise Stop("no_fix", f"no fix to apply for {diag.get('category')}: {decision['reason']}")
        fix = diag["fixes"][decision["fix"]]
        self.guard.see_edit(fix.get("edits") or [])
        self.s.seen_edits = self.guard.edits
        diff = apply_edits(self.project, self.ws.root, fix.get("edits") or [])
        self.s.repairs.append(
            {
                **record,
                "fix": fix.get("title"),
                "confidence": fix.get("confidence"),
                "diff": diff,
                "applied": True,
            }
        )
        failed["repaired"] = True
        self.save(self._step)
        self.emit(
            "repair",
            f"{diag.get('category')}: applied '{fix.get('title')}' ({decision.get('by', self.brain.name)})",
        )

    def _install(self, package: str, record: dict) -> None:
        """Install a missing package outside the sandbox: only a well-known one, only with approval, wheels only.

        The name comes from a traceback the generated code printed; installing an arbitrary name from PyPI would
        run its install hooks (or a ``.pth`` file it ships) on the host, so unknown names are never installed.
        """
        if package not in KNOWN_DISTRIBUTIONS:
            self.s.installs.append({**record, "package": package, "approved": False, "installed": False})
            raise Stop(
                "unknown_package",
                f"the run needs `{package}`, which is not a package mlintern installs on its own (the name comes "
                f"from the generated code). If you trust it, install it yourself (`pip install {package}`) and "
                f"run again.",
            )
        ok = self.approver.approve("install a package outside the sandbox", f"pip install {package}")
        entry = {**record, "package": package, "approved": ok}
        if not ok:
            self.s.installs.append({**entry, "installed": False})
            raise Stop("declined", f"{package} is missing and installing it was not approved (pass --yes).")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--only-binary=:all:", "--", package],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        entry.update(installed=proc.returncode == 0, output=(proc.stdout + proc.stderr)[-2000:])
        self.s.installs.append(entry)
        self.emit("repair", f"pip install {package}: {'ok' if entry['installed'] else 'failed'}")
        if not entry["installed"]:
            raise Stop("install_failed", f"pip install {package} failed.")

    def _full_run(self) -> dict:
        self._step = "full"
        available = self.budget.training_seconds(float("inf"))
        facts = {
            "train_seconds_available": available,
            "paper_steps": _paper_steps(self),
            "pilot": self.s.pilots[-1] if self.s.pilots else None,
            "params_full": self.s.steps["scaffold"].get("params_full"),
        }
        plan = self.brain.plan_full_run(facts, tool_runner=self.run_tool_for_brain)
        seconds = min(plan["minutes"] * 60.0, available)
        expected = self._expected_full_steps(seconds)
        # Checkpoint often enough that a run the budget stops still leaves a model to export (train.py
        # saves at the end anyway when it finishes). The speed estimate from the pilot is rough (tiny
        # models are dominated by per-step overhead), so aim for ~20 saves and never fewer than one
        # per 200 steps.
        ckpt_every = min(max(1, int(expected // 20)), 200) if expected else 200
        plan = {**plan, "expected_steps": expected, "ckpt_every": ckpt_every}
        run = self._train("full", seconds, plan.get("max_steps"), ckpt_every=ckpt_every)
        run["plan"] = plan
        how = "stopped by the budget" if run["stopped_by_budget"] else run["status"]
        run["summary_line"] = f"{how} after {run['seconds']:.0f} s; loss {_fmt_loss(run)}"
        if run["stopped_by_budget"]:
            self.s.notes.append(
                f"The full run was stopped by the budget after {run['seconds']:.0f} s (limit {run['max_seconds']:.0f} s)."
            )
        elif run["status"] != "succeeded":  # said at the top: the paper's configuration did not run here
            self.s.notes.append(
                f"The full run {run['status']} after {run['seconds']:.0f} s: {str(run.get('reason') or 'no reason given')[:300]}"
            )
        return run

    def _evaluated_run(self) -> tuple[str | None, dict | None, list[dict], dict]:
        """The run whose held-out records the claims are compared with: the full run's when it recorded an
        evaluation, else the last pilot's that did (a full run the budget stopped before its first
        evaluation still leaves the pilot's held-out metric, at pilot scale); ``(label, run, evals, data)``."""
        runs = [("full", self.s.full)] if self.s.full else []
        runs += [(f"pilot {i + 1}", r) for i, r in reversed(list(enumerate(self.s.pilots)))]
        for label, run in runs:
            evals, info = claims.read_run(run.get("run_dir"))
            if evals:
                return label, run, evals, info
        if not runs:
            return None, None, [], {}
        label, run = runs[0]
        evals, info = claims.read_run(run.get("run_dir"))
        return label, run, evals, info

    def _evaluate(self, *, ask_status: bool = True) -> dict:
        """Held-out records (training-status's ``evaluation``, the run's ``metrics.jsonl`` rows with a
        ``split`` and its ``data.json``) against the paper's claims: one verdict per claim."""
        label, run, evals, info = self._evaluated_run()
        results = self._paper_claims()
        if run is None:
            rows = claims.compare(results, [], {"pilot": True})
            rows = [
                {**r, "verdict": "not evaluated", "why": "the loop stopped before any training run"}
                for r in rows
            ]
            return {
                "run": None,
                "evaluation": {},
                "data": {},
                "scale": None,
                "reached": None,
                "claims": rows,
                "summary_line": "no training run to evaluate; " + claims.headline_verdict(rows),
            }
        status: dict = {}
        try:  # after a stop the budget is spent: the records on disk are enough (no plot refresh)
            if ask_status:
                status = self.call(
                    "training-status", {"run_id": run["run_id"]}, cancel_event=threading.Event()
                )
        except ToolError:
            pass  # the records on disk are what the verdicts read; the status only adds its plot
        evaluation = status.get("evaluation") or {r["split"]: r for r in evals}  # the last record per split
        reached = (run.get("loss") or {}).get("steps")
        fitted = self.s.steps.get("fit") or {}
        ran = {
            "ran": fitted.get("variant"),
            "paper": fitted.get("paper_variant"),
            "names": fitted.get("names"),
        }
        rows = claims.compare(results, evals, info, reached, ran)  # every reason is worded there, once
        shown = "; ".join(
            f"{split} " + ", ".join(f"{k} {v:.4g}" for k, v in rec.items() if k in EVAL_KEYS)
            for split, rec in sorted(evaluation.items(), reverse=True)
        )
        full = self.s.full
        return {
            "run": label,
            "run_id": run["run_id"],
            "final_loss": (full.get("loss") or {}).get("last"),
            "first_loss": (full.get("loss") or {}).get("first"),
            "evaluation": evaluation,
            "data": info,
            "scale": claims.scale_of(info, evals, reached),
            "reached": reached,
            "full_reached": (full.get("loss") or {}).get("steps") if full else None,
            "full_planned": claims.read_run(full.get("run_dir"))[1].get("train_steps") if full else None,
            "claims": rows,
            "loss_plot": status.get("loss_plot"),
            "summary_line": (
                f"{label}: {shown}" if shown else f"{label}: no held-out evaluation was recorded"
            )
            + "; "
            + claims.headline_verdict(rows),
        }

    def _evaluate_after_stop(self) -> None:
        """A loop stopped early (budget, doom loop, a failed tool) still compares the paper's claims with
        whatever held-out records its runs left, so every report ends with the claims table."""
        if "evaluate" in self.s.steps or "report" in self.s.steps or "parse" not in self.s.steps:
            return  # nothing parsed: no claims to compare (the report says the loop ended before)
        try:
            result = self._evaluate(ask_status=False)
        except Exception as err:  # the report must still be written; say why the table is missing
            self.s.notes.append(
                f"The claims could not be compared after the stop: {type(err).__name__}: {err}"
            )
            return
        self.s.steps["evaluate"] = {**result, "after_stop": True, "seconds": 0.0}
        self.save("evaluate")

    def _paper_claims(self) -> list[dict]:
        """The paper's results as the scaffolded project carries them (config.json ``paper.results``)."""
        try:
            config = files.read_json_object(self.project / "config.json")
            results = (config.get("paper") or {}).get("results")
        except (OSError, ValueError, AttributeError):
            from mlintern.tools.reproduce.plan import load_spec

            results = load_spec(self).get("results")  # not scaffolded: the parsed spec's claims
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []

    def _export(self) -> dict:
        args: dict = {"run_id": self.s.steps["full"]["run_id"]}
        if self.opts.push_to_hub:
            if self.approver.approve("push the model to the Hugging Face Hub", self.opts.push_to_hub):
                args["push_to_hub"] = self.opts.push_to_hub
            else:
                self.s.notes.append("Pushing to the hub was not approved; nothing was sent.")
        full = self.s.steps["full"]
        try:
            res = self.call("export-model", args)
        except ToolError as err:
            if full.get("ok") and not full.get("stopped_by_budget"):
                raise  # a finished run that cannot be exported is a real failure
            why = f"nothing exported: the full run ended before it saved a checkpoint ({err.message})"
            self.s.notes.append(why[0].upper() + why[1:])
            return {"path": None, "skipped": why, "summary_line": why}
        return {
            "path": res["export_dir"],
            "files": res["files"],
            "pushed": res.get("hub_url"),
            "summary_line": res["export_dir"],
        }

    def _review(self) -> dict:
        facts = {k: getattr(self.s, k) for k in ("paper", "pilots", "repairs", "notes")}
        facts["steps"] = {
            k: v for k, v in self.s.steps.items() if k in {"parse", "scaffold", "full", "evaluate"}
        }
        return {"note": self.brain.review(facts), "summary_line": "reviewer's note written"}

    def _report(self) -> None:
        from mlintern.tools.reproduce.report import write_report

        md, html = write_report(self)
        self.s.steps["report"] = {"markdown": str(md), "html": str(html)}
        self.save("report")
        self.emit("report", f"{self.ws.relative(md)} and {self.ws.relative(html)}", path=str(md))


def _fit_message(paper, requested, chosen, paper_mem, mem, micro, avail, none_fits) -> str:
    """What was run and why, in one sentence: the report's first line, PLAN.md and the events say it."""
    from mlintern.tools.reproduce import fit

    if paper_mem is None:
        return "the memory was not estimated; the run uses the paper's configuration as scaffolded"
    need = fit.describe(paper_mem)
    has = f"this machine has {avail['what']}"
    name = chosen or "configuration"
    if requested:
        if fit.fits(paper_mem["total"], avail["bytes"]):
            return f"ran {requested} as asked: {need}, {has}"
        if micro:
            return (
                f"ran {requested} as asked, with micro batch {micro} instead of {paper_mem['micro_batch']} "
                f"(gradient accumulation keeps the batch of {paper_mem['batch']}): {need}, {has}"
            )
        return f"ran {requested} as asked, although it may not fit: {need}, {has}"
    if chosen == paper and not micro:
        return f"ran the paper's {name}: {need}, {has}" + (
            ""
            if fit.fits(paper_mem["total"], avail["bytes"])
            else " (it does not fit; no smaller variant is listed)"
        )
    if chosen == paper:
        return (
            f"ran the paper's {name} with micro batch {micro} instead of {paper_mem['micro_batch']} (gradient "
            f"accumulation keeps the paper's batch of {paper_mem['batch']}): {need}, {has}; at micro batch "
            f"{micro} ~{fit.gib(mem['total'])}"
        )
    ours = fit.describe(mem) if mem else "?"
    text = f"ran {chosen} instead of the paper's {paper}: {need}, {has}"
    if none_fits:
        return text + f"; no listed variant fits, {chosen} is the smallest ({ours})"
    if micro:
        ours += f"; gradient accumulation keeps the batch of {mem['batch']}"
    return text + f"; {chosen}: {ours}"


def _where(err: BaseException) -> str:
    tb = traceback.extract_tb(err.__traceback__)
    return f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"


def _paper_steps(agent: Agent) -> int | None:
    try:
        spec = json.loads(Path(agent.s.steps["parse"]["spec_path"]).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    fact = (spec.get("hyperparameters") or {}).get("train_steps")
    value = fact.get("value") if isinstance(fact, dict) else None
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def _fmt_params(n) -> str:
    if not isinstance(n, (int, float)):
        return "?"
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return f"{n / div:.3g}{unit}"
    return str(int(n))


def _fmt_loss(run: dict) -> str:
    loss = run.get("loss") or {}
    if loss.get("first") is None:
        return "n/a"
    return f"{loss['first']:.4f} -> {loss['last']:.4f}"

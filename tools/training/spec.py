"""Registry entries for run-training, training-status, stop-training and export-model."""

from mlintern.tools.registry import Tool

_NUM_OR_NULL = {"type": ["number", "null"]}
_STR_OR_NULL = {"type": ["string", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"]}

RUN_OUTPUT = {
    "type": "object",
    "required": ["summary"],
    "properties": {
        "run_id": _STR_OR_NULL,
        "state": {"enum": ["queued", "running", "succeeded", "failed", "cancelled", "lost", "not_submitted"]},
        "project": {"type": "string"},
        "mode": {"enum": ["pilot", "full"]},
        "launcher": {"enum": ["local", "torchrun", "slurm"]},
        "sandbox_mode": {"enum": ["bwrap", "unshare", "rlimits", "none", None]},
        "step": _NUM_OR_NULL,
        "total_steps": _INT_OR_NULL,
        "last_metrics": {"type": "object"},
        "evaluation": {
            "type": "object",
            "description": "The latest held-out evaluation per split: "
            '{"val": {step, loss, <metric>...}, "test": {...}}.',
        },
        "eta_seconds": _NUM_OR_NULL,
        "reason": _STR_OR_NULL,
        "exit_code": _INT_OR_NULL,
        "started": _NUM_OR_NULL,
        "ended": _NUM_OR_NULL,
        "run_dir": {"type": "string"},
        "out_dir": _STR_OR_NULL,
        "loss_plot": _STR_OR_NULL,
        "log_tail": {"type": "array", "items": {"type": "string"}},
        "warning": _STR_OR_NULL,
        "sbatch_script": {"type": "string"},
        "slurm": {
            "type": "object",
            "description": "SLURM job: job_id, state, nodes, elapsed, exit_code, reason.",
        },
        "isolation": _STR_OR_NULL,
        "runs": {"type": "array", "items": {"type": "object"}},
        "summary": {"type": "string"},
    },
}

RUN_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["project"],
    "properties": {
        "project": {
            "type": "string",
            "description": "Project folder made by scaffold-model (holds train.py).",
        },
        "pilot": {
            "type": "boolean",
            "default": False,
            "description": "Tiny config, a few steps: checks the code runs before a full run.",
        },
        "launcher": {
            "enum": ["local", "torchrun", "slurm"],
            "default": "local",
            "description": "local: one process; torchrun: DDP processes; slurm: write (and submit) an sbatch job.",
        },
        "nproc_per_node": {
            "type": "integer",
            "minimum": 1,
            "maximum": 64,
            "default": 1,
            "description": "torchrun/slurm: processes per node (one per GPU; on CPU, gloo processes).",
        },
        "nnodes": {"type": "integer", "minimum": 1, "description": "torchrun/slurm: number of nodes."},
        "tasks_per_node": {
            "type": "integer",
            "minimum": 1,
            "maximum": 64,
            "description": "slurm: torchrun agents (srun tasks) per node, default 1; the rendezvous "
            "counts nnodes x tasks_per_node agents.",
        },
        "node_rank": {"type": "integer", "minimum": 0, "description": "torchrun: this node's rank."},
        "rdzv_endpoint": {"type": "string", "description": "torchrun: host:port of the rendezvous."},
        "rdzv_backend": {"type": "string", "description": "torchrun: rendezvous backend (c10d, static)."},
        "rdzv_id": {"type": "string", "description": "torchrun: rendezvous/job id."},
        "master_addr": {
            "type": "string",
            "description": "torchrun: address of the rank-0 node (static rendezvous).",
        },
        "master_port": {
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
            "description": "torchrun: port on the rank-0 node (static rendezvous).",
        },
        "max_minutes": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Wall-clock budget; the run is stopped (gracefully, then killed) when reached.",
        },
        "max_steps": {"type": "integer", "minimum": 1, "description": "Passed to train.py as --max-steps."},
        "ckpt_every": {"type": "integer", "minimum": 1, "description": "Passed to train.py as --ckpt-every."},
        "max_memory_gb": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Address-space limit per process (default 75% of RAM; not applied on GPUs).",
        },
        "max_procs": {
            "type": "integer",
            "minimum": 4,
            "default": 256,
            "description": "Most processes the training may have at once (fork bombs are killed).",
        },
        "sandbox": {
            "type": "boolean",
            "default": True,
            "description": "Run inside the sandbox (no network, read-only system, no secrets). false opts out.",
        },
        "yes": {
            "type": "boolean",
            "default": False,
            "description": "slurm: approve submitting the job (otherwise the face asks, or it is refused).",
        },
        "resume": {
            "type": "boolean",
            "default": False,
            "description": "Continue this project's latest run from its last checkpoint (train.py --resume).",
        },
        "wait": {
            "type": "boolean",
            "default": False,
            "description": "false: return the run id at once. true: wait, reporting progress; cancelling stops the run.",
        },
        "env": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Environment variables to pass in: NAME (copied) or NAME=value. Nothing else secret passes.",
        },
    },
}

TOOLS = [
    Tool(
        name="run-training",
        title="Run training",
        description=(
            "Train a scaffolded project (folder with train.py) in a sandbox: no network, read-only system, no "
            "secrets, memory/CPU/process limits, a wall-clock budget. Returns a run id at once (wait=false) or "
            "waits with progress (wait=true; cancelling stops the run). Use pilot=true first to check the code "
            "runs. Follow with training-status; on failure, pass the log to diagnose-traceback."
        ),
        input_schema=RUN_INPUT,
        output_schema=RUN_OUTPUT,
        func="mlintern.tools.training.runs:run_training",
        open_world=False,
        long_running=True,
        cli_positional=("project",),
    ),
    Tool(
        name="training-status",
        title="Training status",
        description=(
            "State of a run (queued running succeeded failed cancelled lost), step/total, last metrics, ETA, the "
            "last log lines, the loss-plot path and, when it ended badly, the reason. run_id 'latest' for the "
            "newest; no run_id lists all runs."
        ),
        input_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "run_id": {"type": "string", "description": "A run id, or 'latest'. Omit to list runs."},
                "log_lines": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 500,
                    "default": 20,
                    "description": "How many of the last stdout lines to return.",
                },
            },
        },
        output_schema=RUN_OUTPUT,
        func="mlintern.tools.training.runs:training_status",
        read_only=True,
        idempotent=True,
        cli_positional=("run_id",),
    ),
    Tool(
        name="stop-training",
        title="Stop training",
        description=(
            "Stop a run: SIGTERM to the training (it may save a checkpoint), then, after a grace period, kill "
            "its whole process tree. The run ends 'cancelled' and can be resumed with run-training resume=true."
        ),
        input_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "run_id": {"type": "string", "default": "latest", "description": "A run id or 'latest'."}
            },
        },
        output_schema=RUN_OUTPUT,
        func="mlintern.tools.training.runs:stop_training",
        destructive=True,
        idempotent=True,
        cli_positional=("run_id",),
    ),
    Tool(
        name="export-model",
        title="Export model",
        description=(
            "Package a finished run for others: safetensors weights, config.json and a model card README.md "
            "(paper, provenance table, training data actually used, metrics, limitations) in <project>/export/. "
            "push_to_hub uploads with huggingface_hub when a token and the network are available; otherwise it "
            "fails saying nothing was sent."
        ),
        input_schema={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "run_id": {"type": "string", "default": "latest", "description": "A run id or 'latest'."},
                "checkpoint": {
                    "type": "string",
                    "description": "A checkpoint file (default: the run's newest).",
                },
                "push_to_hub": {"type": "string", "description": "Hub repo id (user/name) to upload to."},
            },
        },
        output_schema={
            "type": "object",
            "required": ["export_dir", "files", "summary"],
            "properties": {
                "export_dir": {"type": "string"},
                "files": {"type": "array", "items": {"type": "string"}},
                "num_tensors": {"type": "integer"},
                "num_params": {"type": "integer"},
                "offline_standin": {"type": "boolean"},
                "hub_url": _STR_OR_NULL,
                "summary": {"type": "string"},
            },
        },
        func="mlintern.tools.training.export:export_model",
        open_world=True,
        cli_positional=("run_id",),
    ),
]

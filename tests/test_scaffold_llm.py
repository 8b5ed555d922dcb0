"""LLM-written model.py for family `other`: the real anthropic SDK against the scripted Messages API."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

from mlintern.tools import registry
from mlintern.tools.registry import ToolContext
from mlintern.tools.reproduce.brains.claude import ClaudeBrain
from mlintern.tools.reproduce.budget import LLMSpend
from test_scaffold_support import family_spec

_spec = importlib.util.spec_from_file_location(
    "messages_api", Path(__file__).parent / "test_data" / "agent" / "messages_api.py"
)
api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api)

PAPER_COUNT = 250_000
# Conv2d(1, C, 3) + Linear(C * 28 * 28, 10): C=32 -> 251,210 (+0.5%); C=64 -> 502,410 (+101%).
DRAFT = '''"""A capsule-free test architecture: a 3x3 convolution then a linear classifier."""

import argparse
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class ModelConfig:
    image_size: int = 28  # default
    in_channels: int = 1  # default
    num_classes: int = 10  # page 1: "num_classes = 10"
    num_layers: int = 2
    d_model: int = 512
    activation: str = "relu"
    dropout: float = 0.0
    channels: int = CHANNELS  # page 1: "CHANNELS feature maps"


class Model(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.conv = nn.Conv2d(config.in_channels, config.channels, 3, padding=1)
        self.head = nn.Linear(config.channels * config.image_size**2, config.num_classes)

    def forward(self, x):  # (B, C, H, W)
        x = torch.relu(self.conv(x))  # (B, channels, H, W)
        return self.head(x.flatten(1))  # (B, num_classes)


def count_params(config: ModelConfig) -> int:
    with torch.device("meta"):
        model = Model(config)
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count-params", action="store_true")
    if parser.parse_args().count_params:
        print(count_params(ModelConfig()))
'''
BROKEN = DRAFT.replace("CHANNELS", "32").replace("def forward(self, x):", "def forward(self, x)")
WRONG_SIZE = DRAFT.replace("CHANNELS", "64")
CORRECT = DRAFT.replace("CHANNELS", "32")


def brain(server) -> ClaudeBrain:
    return ClaudeBrain(
        spend=LLMSpend(max_usd=5.0),
        model="claude-sonnet-4-5",
        api_key="test-key",
        base_url=server.base_url,
        backoff_s=0.01,
    )


def scaffold(workspace, script) -> tuple[dict, list[dict]]:
    spec = family_spec("other", title="A novel architecture", num_params=PAPER_COUNT, num_classes=10)
    (workspace.root / "spec.json").write_text(json.dumps(spec))
    requests = []

    def recorded(req, n):
        requests.append(req)
        return script(req, n)

    with api.MessagesAPI(recorded) as server:
        ctx = ToolContext(workspace, brain=brain(server))
        result = registry.call("scaffold-model", {"spec": "spec.json", "output": "proj"}, ctx)
    assert ctx.brain.max_tokens == 1024  # restored for the brain's other calls
    return result, requests


def prompt_of(req: dict) -> str:
    content = req["messages"][-1]["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def test_broken_then_wrong_size_then_correct_draft_is_accepted(workspace):
    drafts = [BROKEN, WRONG_SIZE, CORRECT]
    result, requests = scaffold(workspace, lambda req, n: api.text(f"```python\n{drafts[n]}```", n=n))

    assert len(requests) == 3
    first, second, third = (prompt_of(r) for r in requests)
    assert all(r["max_tokens"] == 8192 for r in requests)  # a whole file, not a decision's 1024
    assert "ModelConfig" in requests[0]["system"] and "--count-params" in requests[0]["system"]
    assert f"{PAPER_COUNT:,}" in first and "Your draft" not in first
    assert "does not parse: SyntaxError" in second  # the syntax error reached draft 2's prompt
    assert "502,410" in third and "+101.0%" in third  # and the wrong count reached draft 3's
    assert "does not parse" in third  # the whole history is kept

    model_py = (workspace.root / "proj" / "model.py").read_text()
    header = model_py.splitlines()[:6]
    assert header[0].startswith("# Written by a language model (anthropic)") and "draft 3" in header[0]
    assert "Verified by mlintern" in header[1] and "ruff" in header[1]
    assert "count_params ran in the sandbox: 251,210 parameters (+0.5% vs the paper's 250,000)" in header[2]
    assert "loss fell in the sandbox" in header[3] and "NOT verified" in header[4]
    assert model_py.endswith(CORRECT)
    ast.parse(model_py)
    assert result["params_full"] == 251_210 and abs(result["params_delta"]) <= 0.03
    assert result["params_pilot"] == 1 * 32 * 9 + 32 + 32 * 8 * 8 * 10 + 10  # pilot image_size 8
    assert json.loads((workspace.root / "proj" / "mlintern.json").read_text())["template"] == "llm"
    readme = (workspace.root / "proj" / "README.md").read_text()
    assert "MODEL WRITTEN BY A LANGUAGE MODEL" in readme and "CLOSEST HONEST OPTION" not in readme


def test_three_rejected_drafts_fall_back_to_the_labelled_baseline(workspace):
    import_bad = CORRECT.replace("import torch\n", "import torch\nimport numpy\n")
    drafts = [BROKEN, WRONG_SIZE, import_bad, CORRECT]
    result, requests = scaffold(workspace, lambda req, n: api.text(f"```python\n{drafts[n]}```", n=n))

    assert len(requests) == 3  # K = 3 rounds, never a fourth call
    model_py = (workspace.root / "proj" / "model.py").read_text()
    assert "language model" not in model_py.splitlines()[0]
    note = next(a for a in result["assumptions"] if "no draft passed" in a)
    assert "SyntaxError" in note and "+101.0%" in note and "imports numpy" in note
    assert "CLOSEST HONEST OPTION" in (workspace.root / "proj" / "README.md").read_text()


async def test_the_mcp_host_writes_the_model_through_sampling(tmp_path):
    """The same path with the MCP host's model (sampling) as the brain, through the real MCP client."""
    from mcp import Client, types
    from mlintern.server.mcp_server import build_server

    spec = family_spec("other", title="A novel architecture", num_params=PAPER_COUNT, num_classes=10)
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    drafts, prompts = [WRONG_SIZE, CORRECT], []

    async def host_model(context, params: types.CreateMessageRequestParams) -> types.CreateMessageResult:
        prompts.append(params.messages[0].content.text)
        text = f"```python\n{drafts[len(prompts) - 1]}```"
        return types.CreateMessageResult(
            role="assistant", model="host-llm", content=types.TextContent(type="text", text=text)
        )

    face = build_server(str(tmp_path))
    async with Client(face.server, mode="legacy", sampling_callback=host_model) as client:
        result = await client.call_tool("scaffold-model", {"spec": "spec.json", "output": "proj"})
    assert not result.is_error, result.content[0].text
    assert len(prompts) == 2 and "+101.0%" in prompts[1]
    assert result.structured_content["params_full"] == 251_210
    header = (tmp_path / "proj" / "model.py").read_text().splitlines()[0]
    assert header.startswith("# Written by a language model (mcp-sampling)") and "draft 2" in header


def test_a_draft_whose_loss_does_not_fall_is_rejected(workspace):
    # A shared scalar added to every logit cannot change the cross-entropy: the loss stays at log(10).
    frozen = CORRECT.replace(
        "return self.head(x.flatten(1))", "return self.head(x.flatten(1)) * 0.0 + self.shift"
    ).replace(
        "        self.conv =", "        self.shift = nn.Parameter(torch.zeros(()))\n        self.conv ="
    )
    drafts = [frozen, CORRECT]
    result, requests = scaffold(workspace, lambda req, n: api.text(f"```python\n{drafts[n]}```", n=n))
    assert len(requests) == 2 and "the pilot's loss did not fall" in prompt_of(requests[1])
    assert "loss fell in the sandbox" in (workspace.root / "proj" / "model.py").read_text()

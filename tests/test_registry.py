"""The registry contract every face relies on, checked for every registered tool."""

from __future__ import annotations

import inspect
import re
import threading

import jsonschema
import pytest
from mlintern.tools import registry
from mlintern.tools.errors import Cancelled, ToolError

TOOLS = list(registry.tools().values())
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


# The whole public surface, in the order clients see it. Adding, renaming or losing a tool changes
# every face at once (MCP tools/list, LSP commands, CLI subcommands, the agent): say so here.
EXPECTED_TOOLS = [
    "parse-paper",
    "paper-markdown",
    "scaffold-model",
    "run-training",
    "training-status",
    "stop-training",
    "export-model",
    "diagnose-traceback",
    "reproduce-paper",
    "workspace-status",
]


def test_the_full_list_of_registered_tools():
    assert list(registry.tools()) == EXPECTED_TOOLS


def test_a_missing_spec_module_is_an_error_not_a_silent_skip(monkeypatch):
    monkeypatch.setattr(registry, "SPEC_MODULES", (*registry.SPEC_MODULES, "mlintern.tools.no_such.spec"))
    registry.tools.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"mlintern\.tools\.no_such\.spec is missing.*reinstall"):
            registry.tools()
    finally:
        monkeypatch.undo()
        registry.tools.cache_clear()
    assert list(registry.tools()) == EXPECTED_TOOLS


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_schema_defaults_equal_function_defaults(tool):
    """A face fills the schema's default; a direct Python call gets the function's. They must agree, and
    every argument the schema accepts reaches the function (by name, or through its ``**kwargs``)."""
    params = inspect.signature(tool.function()).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    required = set(tool.input_schema.get("required", []))
    properties = tool.input_schema.get("properties", {})
    for name, prop in properties.items():
        param = params.get(name)
        if param is None:
            assert takes_any, f"{tool.name}: the schema accepts {name!r}, the function does not"
            continue
        if "default" in prop:
            assert param.default is not param.empty and param.default == prop["default"], (
                f"{tool.name}.{name}: schema default {prop['default']!r}, function default "
                f"{'none' if param.default is param.empty else repr(param.default)}"
            )
        elif name not in required:
            assert param.default is not param.empty, (
                f"{tool.name}.{name} is optional but the function requires it"
            )
    for name, param in params.items():
        if name != "ctx" and param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            assert name in properties, f"{tool.name}: the function takes {name!r}, no face can pass it"


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_schemas_are_valid_draft_2020_12(tool):
    for schema in (tool.input_schema, tool.output_schema):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object", "MCP needs object schemas for input and output"
    assert tool.input_schema.get("additionalProperties") is False, "inputs must reject unknown arguments"
    for prop in tool.input_schema.get("properties", {}).values():
        if "default" in prop:
            jsonschema.Draft202012Validator(prop).validate(prop["default"])


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_every_argument_is_described(tool):
    """The description is the CLI's --help text and what an LLM reads to fill the argument."""
    undescribed = [
        name for name, prop in tool.input_schema.get("properties", {}).items() if not prop.get("description")
    ]
    assert not undescribed, f"{tool.name}: describe the arguments {undescribed}"


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_output_has_a_summary_for_people(tool):
    assert "summary" in tool.output_schema.get("properties", {})
    assert "summary" in tool.output_schema.get("required", [])


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_names_descriptions_and_cli_ergonomics(tool):
    assert KEBAB.match(tool.name), f"{tool.name!r} is not kebab-case"
    assert tool.title.strip()
    assert len(tool.description) >= 120, "describe what it does, when to use it, what it returns"
    props = set(tool.input_schema.get("properties", {}))
    assert set(tool.cli_positional) <= props
    assert set(tool.cli_short) <= props
    assert all(re.fullmatch(r"-[a-zA-Z]", flag) for flag in tool.cli_short.values())
    assert not (tool.read_only and tool.destructive), "a read-only tool cannot be destructive"


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_function_is_importable(tool):
    assert callable(tool.function())


def test_lsp_command_names_are_unique_and_round_trip():
    commands = [t.lsp_command for t in TOOLS]
    assert len(set(commands)) == len(commands)
    for tool in TOOLS:
        assert re.fullmatch(r"mlintern\.[a-z][a-zA-Z0-9]*", tool.lsp_command)
        assert registry.by_lsp_command(tool.lsp_command) is tool
    assert registry.get("workspace-status").lsp_command == "mlintern.workspaceStatus"


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_unknown_argument_is_refused_by_name(tool):
    with pytest.raises(ToolError) as info:
        registry.validate_input(tool, {"no_such_argument": 1})
    assert info.value.code == "invalid_arguments"
    assert "no_such_argument" in info.value.message
    assert info.value.hint and "Accepted arguments" in info.value.hint


def test_wrong_type_names_the_property_and_defaults_are_filled():
    tool = registry.get("workspace-status")
    with pytest.raises(ToolError, match=r"runs_limit: 'many' is not of type 'integer'"):
        registry.validate_input(tool, {"runs_limit": "many"})
    with pytest.raises(ToolError, match="must be a JSON object"):
        registry.validate_input(tool, ["runs_limit", 3])
    assert registry.validate_input(tool, None) == {"runs_limit": 20, "events_limit": 10}
    assert registry.validate_input(tool, {"runs_limit": 3})["runs_limit"] == 3


def test_unknown_tool_lists_the_known_ones():
    with pytest.raises(ToolError) as info:
        registry.get("parse-papr")
    assert info.value.code == "unknown_tool"
    assert "workspace-status" in info.value.hint


def test_call_validates_runs_and_logs(workspace):
    ctx = registry.ToolContext(workspace, face="test")
    result = registry.call("workspace-status", {}, ctx)
    registry.validate_output(registry.get("workspace-status"), result)
    kinds = [(e["kind"], e["data"]["tool"]) for e in workspace.events()]
    assert kinds == [("tool_call", "workspace-status")]
    with pytest.raises(ToolError):
        registry.call("workspace-status", {"runs_limit": 0}, ctx)
    assert workspace.events()[-1]["kind"] == "tool_call", "invalid input never reaches the function"


def test_validate_output_catches_schema_breaks():
    with pytest.raises(AssertionError, match="summary"):
        registry.validate_output(
            registry.get("workspace-status"), {"workspace": "/", "papers": [], "runs": [], "events": []}
        )


def test_progress_is_strictly_increasing_and_cancel_wakes_sleep(workspace):
    seen = []
    ctx = registry.ToolContext(workspace, progress=lambda d, t, m: seen.append(d))
    for value in (1, 1, 0.5, 2, 3, 3):
        ctx.progress(value, 3)
    assert seen == [1, 2, 3]
    threading.Timer(0.05, ctx.cancel_event.set).start()
    with pytest.raises(Cancelled):
        ctx.sleep(60)
    with pytest.raises(Cancelled):
        ctx.check_cancelled()

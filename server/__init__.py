"""mlintern's protocol faces: MCP server, LSP server, CLI and the autonomous agent.

Protocol code lives here and only here; the logic is in ``mlintern.tools``.
"""

__version__ = "0.1.0"

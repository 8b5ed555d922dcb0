"""The autonomous mode (``mlintern-server --auto`` and the ``reproduce-paper`` tool).

``loop`` runs one paper (parse, plan, scaffold, pilot, repair, full run, export,
report) over registry tools; ``budget`` and ``guards`` hold the limits no brain
can lift; ``brains`` decide (offline rules, Claude, the MCP host's model);
``state`` keeps progress in the workspace event log so a killed loop resumes;
``plan``, ``report`` and ``doc`` write PLAN.md and REPORT.md/.html; ``cli`` and
``watch`` are the command line; ``spec`` and ``tool`` the registry entry.
"""

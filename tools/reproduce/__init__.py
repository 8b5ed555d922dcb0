"""The autonomous engine (``reproduce-paper``, and ``mlintern-server --auto``'s loop).

``loop`` runs one paper (parse, plan, scaffold, pilot, repair, full run, export,
report) over registry tools; ``budget`` and ``guards`` hold the limits no brain
can lift; ``brains`` decide (offline rules, Claude, the MCP host's model);
``state`` keeps progress in the workspace event log so a killed loop resumes;
``plan``, ``report`` and ``doc`` write PLAN.md and REPORT.md/.html; ``events``
is where progress goes (each face gives its sink); ``spec`` and ``tool`` are
the registry entry. Faces live in ``mlintern.server``.
"""

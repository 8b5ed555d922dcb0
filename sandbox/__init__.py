"""Run untrusted generated code: namespaces, read-only system, rlimits, env scrub, tree kill.

``mlintern.sandbox`` knows nothing about runs or tools. It turns a command plus a
:class:`~mlintern.sandbox.policy.Policy` into a ready-to-spawn
:class:`~mlintern.sandbox.launch.Launch` (argv, environment, rlimits), picks the
strongest isolation that works on this machine (:mod:`~mlintern.sandbox.detect`)
and kills whole process trees (:mod:`~mlintern.sandbox.proctree`).
"""

from mlintern.sandbox.detect import available_mode
from mlintern.sandbox.launch import Launch, prepare
from mlintern.sandbox.policy import Limits, Policy

__all__ = ["Launch", "Limits", "Policy", "available_mode", "prepare"]

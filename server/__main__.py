"""``python -m mlintern.server`` is ``mlintern-server``."""

import sys

from mlintern.server.cli import server_main

sys.exit(server_main())

"""Sandbox preload for the lifecycle probe: importing this module warms a fork-server parent.

It imports the node bases, every framework mixin module and the typed I/O models, and runs a bare
node of each kind once (in the parent), so each forked composition starts in about 10 ms.
"""

import contextlib
import importlib
import logging
import pkgutil

import omnibase_core.mixins

from app.probes.lifecycle import warm

logging.disable(logging.WARNING)
_MODULES = [
    "omnibase_core.runtime.mixin_node_dispatch",
    *(m.name for m in pkgutil.iter_modules(omnibase_core.mixins.__path__, "omnibase_core.mixins.")),
]
for _name in _MODULES:
    with contextlib.suppress(Exception):  # a module failing to import defines no usable mixin
        importlib.import_module(_name)
WARM_STATS = warm({"mixins": []})

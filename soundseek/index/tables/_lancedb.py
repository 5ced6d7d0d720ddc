"""`import lancedb`, minus 1.4 s of REST client nobody here calls.

lancedb 0.40 imports lance_namespace, whose generated REST client package imports every API
module at import time (~1.5 s of the ~2.3 s `import lancedb` took on the project machine). We
only use local and object-store tables, so that package is registered as a shell whose
submodules import normally and whose own `__init__` runs only if something touches it; nothing
is skipped, only deferred. If the package layout changes, this quietly does nothing.
"""

from __future__ import annotations

import importlib.util
import sys
import types

_DEFERRED = "lance_namespace_urllib3_client"


class _DeferredPackage(types.ModuleType):
    """A package whose `__init__` runs on first access to an attribute it has not got."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        self.__class__ = types.ModuleType  # from now on a plain module
        self.__spec__.loader.exec_module(self)
        return getattr(self, name)


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    module = _DeferredPackage(name)
    module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
    module.__path__, module.__package__ = list(spec.submodule_search_locations), name
    sys.modules[name] = module


_defer(_DEFERRED)

import lancedb  # noqa: E402 - after the shell is registered

__all__ = ["lancedb"]

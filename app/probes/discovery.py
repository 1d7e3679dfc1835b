"""Discover the installed framework's `Mixin*` classes and profile each one statically.

`discover()` runs in a throw-away interpreter (it imports every module of omnibase-core) and
returns plain JSON; `python -m app.probes.discovery OUT.json` is that interpreter's entry point.
Nothing here executes a mixin: every fact is read from class objects, signatures and source.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import json
import logging
import pkgutil
import sys
import textwrap
import warnings
from typing import Any

from app.probes import NODE_BASES

_OBJECT_INIT = object.__init__


def _sources(cls: type) -> list[tuple[type, ast.ClassDef]]:
    out: list[tuple[type, ast.ClassDef]] = []
    for klass in cls.__mro__:
        if klass is object or not klass.__module__.startswith("omnibase_core"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        node = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
        if node is not None:
            out.append((klass, node))
    return out


def _self_attrs(node: ast.AST) -> tuple[set[str], set[str]]:
    """(names assigned on self, names read on self) inside a class body."""
    assigned: set[str] = set()
    read: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
            (assigned if isinstance(n.ctx, ast.Store) else read).add(n.attr)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            f = n.func
            if f.attr == "__setattr__" and n.args and isinstance(n.args[-1], ast.AST):
                for a in n.args[1:2]:
                    if isinstance(a, ast.Constant) and isinstance(a.value, str):
                        assigned.add(a.value)
    return assigned, read


def _init_profile(cls: type) -> dict[str, Any]:
    owner = next((k for k in cls.__mro__ if "__init__" in k.__dict__), object)
    init = owner.__dict__.get("__init__", _OBJECT_INIT)
    prof: dict[str, Any] = {
        "init_owner": f"{owner.__module__}.{owner.__qualname__}",
        "init_own": "__init__" in cls.__dict__,
        "init_is_object": init is _OBJECT_INIT,
        "init_is_protocol_noop": getattr(init, "__name__", "") == "_no_init_or_replace_init",
        "init_positional": 0,
        "init_required_positional": 0,
        "init_kwonly": 0,
        "init_required_kwonly": 0,
        "init_varargs": False,
        "init_varkw": False,
        "init_chains_super": False,
        "init_super_passes_args": False,
        "init_super_args": "cut",
        "init_super_n_args": 0,
    }
    if prof["init_is_object"] or prof["init_is_protocol_noop"]:
        prof["init_varargs"] = prof["init_is_protocol_noop"]
        prof["init_varkw"] = prof["init_is_protocol_noop"]
        return prof
    try:
        params = list(inspect.signature(init).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    P = inspect.Parameter
    for p in params:
        if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
            prof["init_positional"] += 1
            prof["init_required_positional"] += p.default is P.empty
        elif p.kind is P.KEYWORD_ONLY:
            prof["init_kwonly"] += 1
            prof["init_required_kwonly"] += p.default is P.empty
        elif p.kind is P.VAR_POSITIONAL:
            prof["init_varargs"] = True
        elif p.kind is P.VAR_KEYWORD:
            prof["init_varkw"] = True
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        code = getattr(init, "__code__", None)
        names = code.co_names if code else ()
        prof["init_chains_super"] = "super" in names and "__init__" in names
        return prof
    for n in ast.walk(tree):
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "__init__"
            and isinstance(n.func.value, ast.Call)
            and isinstance(n.func.value.func, ast.Name)
            and n.func.value.func.id == "super"
        ):
            prof["init_chains_super"] = True
            prof["init_super_passes_args"] = bool(n.args or n.keywords)
            star = any(isinstance(a, ast.Starred) for a in n.args)
            starkw = any(k.arg is None for k in n.keywords)
            prof["init_super_args"] = (
                "passthrough" if star or starkw else "fixed" if n.args or n.keywords else "none"
            )
            prof["init_super_n_args"] = len(n.args)
    return prof


def _members(cls: type) -> dict[str, str]:
    """name -> "method" | "property" | "property_ro" | "attr", over cls's own MRO."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass.__module__ in ("typing", "abc", "builtins"):
            continue
        for name, val in klass.__dict__.items():
            if name.startswith("__") and name.endswith("__"):
                continue
            if isinstance(val, property):
                out[name] = "property" if val.fset is not None else "property_ro"
            elif callable(val) or isinstance(val, staticmethod | classmethod):
                out[name] = "method"
            else:
                out[name] = "attr"
    return out


def _node_facts() -> dict[str, Any]:
    from omnibase_core.infrastructure.node_core_base import NodeCoreBase

    bases = {k: getattr(importlib.import_module(m), n) for k, (m, n) in NODE_BASES.items()}
    members = _members(NodeCoreBase)
    assigned: set[str] = set()
    for klass in [NodeCoreBase, *bases.values()]:
        for _, node in _sources(klass)[:1]:
            assigned |= _self_attrs(node)[0]
    sigs = {}
    for name, val in NodeCoreBase.__dict__.items():
        if callable(val):
            with contextlib.suppress(TypeError, ValueError):
                sigs[name] = str(inspect.signature(val))
    return {"bases": bases, "members": members, "assigned": assigned, "sigs": sigs}


def profile(cls: type, facts: dict[str, Any]) -> dict[str, Any]:
    members = _members(cls)
    assigned: set[str] = set()
    read: set[str] = set()
    for _, node in _sources(cls):
        a, r = _self_attrs(node)
        assigned |= a
        read |= r
    node_members: dict[str, str] = facts["members"]
    node_assigned: set[str] = facts["assigned"]
    sig_clash = []
    for name, kind in members.items():
        if kind == "method" and name in facts["sigs"]:
            try:
                mine = str(inspect.signature(getattr(cls, name)))
            except (TypeError, ValueError):
                continue
            if mine != facts["sigs"][name]:
                sig_clash.append(name)
    provided = sorted(set(members) | assigned)
    required = sorted(read - set(members) - assigned)
    base_of = {k: cls in b.__mro__ for k, b in facts["bases"].items()}
    shares = {
        k: any(c in b.__mro__ for c in cls.__mro__[1:] if c is not object)
        for k, b in facts["bases"].items()
    }
    return {
        "name": cls.__name__,
        "ref": f"{cls.__module__}:{cls.__qualname__}",
        "module": cls.__module__,
        "in_all": cls.__name__
        in getattr(importlib.import_module("omnibase_core.mixins"), "__all__", ()),
        "metaclass": type(cls).__name__,
        "is_protocol": bool(getattr(cls, "_is_protocol", False)),
        "is_generic": hasattr(cls, "__parameters__") and bool(cls.__parameters__),
        "mro_len": len(cls.__mro__),
        "mro": [_ref(c) for c in cls.__mro__],
        "n_bases": len(cls.__bases__),
        "abstract_methods": sorted(getattr(cls, "__abstractmethods__", ()) or ()),
        **_init_profile(cls),
        "defines_process": "process" in members,
        "defines_initialize": "initialize" in members,
        "defines_cleanup": "cleanup" in members,
        "ro_property_collisions": sorted(
            n
            for n, k in members.items()
            if k == "property_ro" and (n in node_assigned or n in node_members)
        ),
        "property_collisions": sorted(
            n for n, k in members.items() if k == "property" and n in node_assigned
        ),
        "method_collisions": sorted(
            n for n, k in members.items() if k == "method" and n in node_members
        ),
        "signature_collisions": sorted(sig_clash),
        "attr_collisions": sorted((assigned & node_assigned) - set(members)),
        "in_node_base": base_of,
        "shares_base_mro": shares,
        "provides": provided,
        "requires": required,
        "requires_unmet_by_node": sorted(set(required) - set(node_members) - node_assigned),
        "n_methods": sum(1 for k in members.values() if k == "method"),
        "n_properties": sum(1 for k in members.values() if k.startswith("property")),
    }


def discover() -> dict[str, Any]:
    """Walk omnibase-core, collect `Mixin*` classes (de-duplicated by identity) and profile them."""
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    import omnibase_core

    failed: list[str] = []
    found: dict[int, type] = {}
    for info in pkgutil.walk_packages(omnibase_core.__path__, "omnibase_core.", failed.append):
        try:
            mod = importlib.import_module(info.name)
        except BaseException:
            failed.append(info.name)
            continue
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and name.startswith("Mixin")
                and obj.__name__ == name
                and obj.__module__.startswith("omnibase_core")
            ):
                found.setdefault(id(obj), obj)
    facts = _node_facts()
    classes: dict[str, Any] = {}
    for cls in [*found.values(), *facts["bases"].values()]:
        for klass in cls.__mro__:
            ref = f"{klass.__module__}:{klass.__qualname__}"
            if ref not in classes and "__init__" in klass.__dict__:
                classes[ref] = _init_profile(klass)
    node_bases = {
        k: {"ref": f"{b.__module__}:{b.__qualname__}", "mro": [_ref(c) for c in b.__mro__]}
        for k, b in facts["bases"].items()
    }
    mixins = []
    for cls in sorted(found.values(), key=lambda c: c.__name__):
        try:
            mixins.append(profile(cls, facts))
        except Exception as exc:
            mixins.append(
                {
                    "name": cls.__name__,
                    "ref": f"{cls.__module__}:{cls.__qualname__}",
                    "profile_error": repr(exc),
                }
            )
    from importlib.metadata import version

    return {
        "framework_version": version("omnibase-core"),
        "mixins": mixins,
        "classes": classes,
        "node_bases": node_bases,
        "import_failures": failed,
    }


def _ref(klass: type) -> str:
    return f"{klass.__module__}:{klass.__qualname__}"


if __name__ == "__main__":
    data = discover()
    with open(sys.argv[1], "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)

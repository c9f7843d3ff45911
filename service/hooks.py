"""Named hooks that periodic jobs call, filled by the parts of the service that implement them.

The ISMAP list import and the social-media re-verification live in their own domains; each
registers its function here (`@periodic_hook("ismap_refresh")`) from a module listed in
HOOK_MODULES, and the scheduler calls it. An empty hook means the job has nothing to do.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

Hook = Callable[..., Awaitable[Any]]
ISMAP_REFRESH = "ismap_refresh"  # async (list_url: str) -> Any
SOCIAL_REVERIFICATION = "social_reverification"  # async () -> Any
# Modules that register hooks when imported; a domain adds its module name here.
HOOK_MODULES: list[str] = ["service.ismap.refresh", "service.social.verification"]

_hooks: dict[str, Hook] = {}


def periodic_hook(name: str) -> Callable[[Hook], Hook]:
    def register(function: Hook) -> Hook:
        _hooks[name] = function
        return function

    return register


def load_hook_modules() -> None:
    for module in HOOK_MODULES:
        importlib.import_module(module)


def get_hook(name: str) -> Hook | None:
    return _hooks.get(name)


def remove_hook(name: str) -> None:
    _hooks.pop(name, None)

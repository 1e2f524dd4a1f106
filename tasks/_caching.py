"""Cache keys for side-effect tasks.

A completed task must return its persisted result when a resumed flow re-executes from the
top. The key holds the flow run, the task's name and its inputs — not its source, so a code
change while a complaint is suspended does not repeat a side effect. The
database guards every side effect as well, so a cache miss repeats nothing either.
"""

from __future__ import annotations

from typing import Any

from prefect.cache_policies import NO_CACHE, CacheKeyFnPolicy, CachePolicy
from prefect.context import TaskRunContext
from prefect.utilities.hashing import hash_objects


def per_flow_run_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    return hash_objects(str(context.task_run.flow_run_id), context.task.name, parameters)


def side_effect_options() -> dict[str, Any]:
    """Task options for a side effect done once per flow run and inputs."""

    policy: CachePolicy = CacheKeyFnPolicy(cache_key_fn=per_flow_run_key)
    return {"cache_policy": policy, "persist_result": True}


def fresh_read_options() -> dict[str, Any]:
    """Task options for a read that must see the database as it is now."""

    policy: CachePolicy = NO_CACHE
    return {"cache_policy": policy, "persist_result": False}

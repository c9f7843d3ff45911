"""Job names are constants (service/jobs.py), and each is the name of one worker actor."""

from __future__ import annotations

from service import jobs
from workers import actors


def test_every_job_name_is_an_actor_and_every_actor_is_named_there() -> None:
    names = {value for key, value in vars(jobs).items() if key.isupper() and isinstance(value, str)}
    assert names == set(actors.ACTORS)
    assert len(names) == 4

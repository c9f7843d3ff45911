"""The dramatiq broker, chosen by VETTING_BROKER_URL before any actor is declared."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from service.config import get_settings

# Jobs of one deployment share one queue; VETTING_QUEUE_NAME keeps deployments (or test runs)
# on one broker apart.
QUEUE = get_settings().queue_name
REDIS_MAINTENANCE_PER_MILLION = 100_000


def make_broker(url: str | None) -> dramatiq.Broker:
    if not url:
        # Embedded default: actors are registered here, and workers.runtime runs them in-process.
        return StubBroker()
    if url.startswith("amqp://"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker: dramatiq.Broker = RabbitmqBroker(url=url)
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        # A killed worker's unacknowledged jobs return to the queue once its heartbeat is older
        # than heartbeat_timeout (60 s), at the next "maintenance", which dramatiq runs on a
        # random share of broker commands: 1 in 1,000 by default (minutes on a quiet queue),
        # 1 in 10 here (cheap: a sorted-set range read).
        broker = RedisBroker(url=url, maintenance_chance=REDIS_MAINTENANCE_PER_MILLION)  # type: ignore[no-untyped-call]
    else:
        raise ValueError(f"VETTING_BROKER_URL must start with amqp:// or redis://, not {url!r}")
    broker.add_middleware(AsyncIO())
    return broker


broker = make_broker(get_settings().broker_url)
dramatiq.set_broker(broker)

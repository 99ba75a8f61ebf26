"""The Celery app.

Embedded mode uses kombu's filesystem transport under the data directory: no
server, and a real worker process (started by ``matchmaking serve``) reads it.
Production uses the configured broker (Redis). Task results are not stored:
progress lives in the database (``embedding_status``).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, signals

from matchmaking import jobs
from matchmaking.config import Mode, Settings, get_settings


def broker_config(settings: Settings) -> dict[str, Any]:
    if settings.mode is Mode.EMBEDDED and not settings.broker_url:
        queue = settings.broker_dir / "queue"
        processed = settings.broker_dir / "processed"
        # The exchange tables; kombu's default is ./control in the working directory.
        control = settings.broker_dir / "control"
        for folder in (queue, processed, control):
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "broker_url": "filesystem://",
            "broker_transport_options": {
                "data_folder_in": str(queue),
                "data_folder_out": str(queue),
                "processed_folder": str(processed),
                "store_processed": False,
                "control_folder": str(control),
            },
        }
    assert settings.broker_url, "production mode requires MATCHMAKING_BROKER_URL"
    return {
        "broker_url": settings.broker_url,
        # A task whose worker died is delivered again after this long.
        "broker_transport_options": {"visibility_timeout": 600},
    }


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = Celery("matchmaking")
    app.conf.update(
        broker_config(settings),
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        worker_prefetch_multiplier=1,
        # Acknowledge after the task ran, so a worker killed mid-task leaves the
        # message to be delivered again; tasks are idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "reconcile-embeddings": {
                "task": "embeddings.reconcile",
                "schedule": settings.reconcile_interval,
                "options": {"expires": settings.reconcile_interval},
            },
            "outbound-tick": {
                "task": "outbound.tick",
                "schedule": settings.outbound_interval,
                "options": {"expires": settings.outbound_interval},
            },
            "analyze-database": {
                "task": "maintenance.analyze",
                "schedule": settings.analyze_interval,
                "options": {"expires": settings.analyze_interval},
            },
        },
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        include=[
            "workers.tasks.embeddings",
            "workers.tasks.imports",
            "workers.tasks.events",
            "workers.tasks.visits",
            "workers.tasks.maintenance",
            "workers.tasks.outbound",
            "workers.heartbeat",
        ],
    )
    return app


app = create_celery()


def dispatch(name: str, args: tuple[Any, ...]) -> None:
    app.send_task(name, args=list(args))


def install_dispatcher() -> None:
    """Route jobs enqueued after commit (matchmaking.jobs) to this app's broker."""
    jobs.set_dispatcher(dispatch)


@signals.worker_process_init.connect
@signals.worker_init.connect
def _dispatch_from_worker(**_: Any) -> None:
    """Jobs a task's commit enqueues (a visit run's notifications → outbound.instant) go to
    the broker from the worker too, not only from the web process."""
    install_dispatcher()

"""What `vetting audit verify` and `vetting audit checkpoint` print (exit 1 when a chain fails)."""

from __future__ import annotations

from service.accounts.models import Organization
from service.audit.checkpoints import make_checkpoints
from service.audit.verification import ChainReport, verify_chain


async def _organization_ids(only: str | None) -> list[str]:
    if only:
        return [only]
    return [
        str(i) for i in await Organization.all().order_by("created_at").values_list("id", flat=True)
    ]


def describe(report: ChainReport) -> str:
    organization_id = report.organization_id
    if not report.ok:
        where = (
            f"first broken link at seq {report.first_broken_seq}: "
            if report.first_broken_seq is not None
            else ""
        )
        label = "TRUNCATED" if report.truncated else "BROKEN"
        return f"{label} {organization_id}: {where}{report.problem}"
    line = f"ok {organization_id}: {report.events} event(s), chain intact"
    if report.unkeyed_events:
        line += f" ({report.unkeyed_events} unkeyed from before the keyed chain)"
    checkpoint = report.checkpoint
    if checkpoint is None:
        return line + "; no checkpoint yet"
    return (
        f"{line}; checkpoint seq {checkpoint.seq} of "
        f"{checkpoint.at.isoformat(timespec='seconds')} matches"
    )


async def verify_and_print(only: str | None) -> int:
    failed = 0
    for organization_id in await _organization_ids(only):
        report = await verify_chain(organization_id)
        failed += not report.ok
        print(describe(report))
    return 1 if failed else 0


async def checkpoint_and_print(only: str | None) -> int:
    failed = 0
    for outcome in await make_checkpoints(await _organization_ids(only) if only else None):
        checkpoint = outcome.checkpoint
        if outcome.status == "broken":
            failed += 1
            print(f"BROKEN {outcome.organization_id}: not checkpointed: {outcome.problem}")
        elif checkpoint is None:
            print(f"{outcome.status} {outcome.organization_id}: no events")
        else:
            print(
                f"{outcome.status} {outcome.organization_id}: seq {checkpoint.seq} "
                f"head {checkpoint.head_hash}"
            )
    return 1 if failed else 0

"""Art. 2(5) 保护客户隐私, Art. 4 处理过程存档: the daily end-of-retention run.

Deployment ``personal-data-retention`` (cron ``COMPLAINTS_RETENTION_CRON``, default 02:30 in
``COMPLAINTS_TIMEZONE``; by hand: ``complaints retention``): every archived complaint whose
retention period (``COMPLAINTS_RETENTION_YEARS`` after closure, default 5) has ended has its
personal data removed, one complaint per transaction; nothing inside the period is touched
(``services.retention`` refuses it). The run's result and state message give counts only.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import Completed, State

from tasks.retention import find_complaints_past_retention, remove_personal_data_of


@flow(name="personal-data-retention", persist_result=True, log_prints=False)
def personal_data_retention(dry_run: bool = False) -> State[dict[str, int]]:
    due = find_complaints_past_retention()
    logger = get_run_logger()
    if dry_run:
        message = f"保存期满待删除个人信息的投诉 {len(due)} 件（演练，未删除）"
        logger.info(message)
        return Completed(message=message, data={"due": len(due), "removed": 0, "files": 0})
    removed = files = evidence = 0
    for complaint_id in due:
        removal = remove_personal_data_of(complaint_id)
        if removal is not None:
            removed += 1
            files += int(str(removal["files_removed"]))
            evidence += int(str(removal.get("evidence_removed", 0)))
            logger.info("%s: 保存期满，已删除客户个人信息", removal["reference"])
    message = (
        f"保存期满，已删除 {removed} 件投诉的客户个人信息、{files} 份处理表文件"
        f"及 {evidence} 份证据文件"
        if removed
        else "没有保存期满的投诉"
    )
    return Completed(
        message=message,
        data={"due": len(due), "removed": removed, "files": files, "evidence": evidence},
    )

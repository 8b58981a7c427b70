"""Every change to segments, their lines and criteria, and logged segments.

One module per workflow: `header` (segments and lines by hand), `criteria` (add/reduce/refine,
go back, saved criteria, reuse), `logging` (log a segment, logged segments).
"""

from rapport.segments.services.criteria import (
    Criteria,
    CriteriaResult,
    add_contacts,
    delete_saved_criteria,
    go_back,
    preview_criteria,
    reduce_contacts,
    refine_contacts,
    reuse_criteria,
    reuse_logged_segment,
    run_criteria,
    save_criteria,
)
from rapport.segments.services.header import (
    HEADER_FIELDS,
    LINE_FIELDS,
    add_segment_line,
    create_segment,
    delete_segment,
    remove_segment_lines,
    update_segment,
    update_segment_line,
)
from rapport.segments.services.languages import (
    delete_segment_language,
    save_segment_language,
)
from rapport.segments.services.logging import (
    BACKGROUND_THRESHOLD,
    LogResult,
    cancel_logged_segments,
    create_follow_up_segment,
    delete_canceled_logged_segments,
    log_segment,
    logged_segment_counts,
    restore_logged_segments,
    start_log_segment,
)

__all__ = [
    "BACKGROUND_THRESHOLD",
    "HEADER_FIELDS",
    "LINE_FIELDS",
    "Criteria",
    "CriteriaResult",
    "LogResult",
    "add_contacts",
    "add_segment_line",
    "cancel_logged_segments",
    "create_follow_up_segment",
    "create_segment",
    "delete_canceled_logged_segments",
    "delete_saved_criteria",
    "delete_segment",
    "delete_segment_language",
    "go_back",
    "log_segment",
    "logged_segment_counts",
    "preview_criteria",
    "reduce_contacts",
    "refine_contacts",
    "remove_segment_lines",
    "restore_logged_segments",
    "reuse_criteria",
    "reuse_logged_segment",
    "run_criteria",
    "save_criteria",
    "save_segment_language",
    "start_log_segment",
    "update_segment",
    "update_segment_line",
]

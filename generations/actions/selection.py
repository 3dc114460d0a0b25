"""multi-elements selection sessions (the Kling door's init/add/delete/clear-selection): the only writer of
SelectionSession rows.

A session is opened on a finished clip of the team, as a multi-elements edit needs (2–5 s or 7–10 s, still kept
by the video service), lives 24 hours as upstream, and holds the points marked on at most 10 frames, at most 10
points a frame. Another team's session, a malformed id and an expired one are all "no such session": the id
alone never reveals whether someone else has one.
"""

from django.db import transaction
from django.utils import timezone

from generations import catalog
from generations.actions.generation import _continuable_video, clip_frame_count
from generations.errors import GenerationError
from generations.models import SelectionSession
from generations.selectors import generation_for_team, team_object

# At most this many live sessions per team: each pins a clip and a row, and nothing else bounds them.
MAX_LIVE_SESSIONS = 50


def _not_found():
    return GenerationError("not_found", "Requested resource does not exist: session_id", field="session_id", http_status=404)


def live_session(team, session_id, *, for_update=False):
    """The team's unexpired session with this id, or GenerationError not_found (404 / 1203)."""
    if not isinstance(session_id, str) or not session_id:
        raise GenerationError("invalid_request", "Invalid request parameters: session_id is required", field="session_id")
    queryset = SelectionSession.objects.select_related("clip").filter(expires_at__gt=timezone.now())
    if for_update:
        queryset = queryset.select_for_update()
    session = team_object(queryset, team, session_id)
    if session is None:
        raise _not_found()
    return session


def do_open_selection(*, team, clip_id) -> SelectionSession:
    """init-selection: a session on the team's finished clip `clip_id` (a generation's public id)."""
    clip = generation_for_team(team, clip_id)
    if clip is None:
        raise GenerationError("parent_not_found", "video_id does not exist", field="video_id", http_status=404)
    video = _continuable_video(clip, catalog.MULTI_ELEMENTS)
    seconds = video.duration_s or clip.duration_seconds
    if not catalog.edit_duration_for(seconds):
        raise GenerationError(
            "invalid_video_duration", f"Invalid request parameters: only clips of 2–5 or 7–10 seconds can be edited; this one "
            f"lasts {seconds:.1f}", field="video_id", http_status=400,
        )
    frames = clip_frame_count(video)
    now = timezone.now()
    with transaction.atomic():
        SelectionSession.objects.filter(team=team, expires_at__lte=now).delete()
        if SelectionSession.objects.select_for_update().filter(team=team).count() >= MAX_LIVE_SESSIONS:
            raise GenerationError(
                "too_many_sessions", f"Invalid request parameters: at most {MAX_LIVE_SESSIONS} selection sessions can be open at once",
                field="session_id",
            )
        return SelectionSession.objects.create(
            team=team, clip=clip, fps=round(frames / seconds, 3) if seconds else 0.0, total_frames=frames,
            width=video.width or 0, height=video.height or 0, duration_ms=round(seconds * 1000),
            expires_at=now + timezone.timedelta(hours=catalog.SELECTION_SESSION_HOURS),
        )


def _frame_index(session, value):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < session.total_frames:
        raise GenerationError(
            "invalid_selection", f"Invalid request parameters: frame_index must be between 0 and {session.total_frames - 1}",
            field="frame_index",
        )
    return value


def _marks(session):
    """The session's marks as {frame_index: [points]}."""
    return {mark["frame_index"]: list(mark["points"]) for mark in session.selection}


def _save_marks(session, marks):
    """Store {frame_index: [points]} back on the session, in frame order."""
    session.selection = [{"frame_index": key, "points": marks[key]} for key in sorted(marks)]
    session.save(update_fields=["selection"])
    return session


def do_add_selection(*, team, session_id, frame_index, points) -> SelectionSession:
    """add-selection: mark `points` on a frame; at most 10 frames and 10 points a frame, as upstream."""
    with transaction.atomic():
        session = live_session(team, session_id, for_update=True)
        index = _frame_index(session, frame_index)
        added = catalog.check_selection_points(points)
        marks = _marks(session)
        if index not in marks and len(marks) >= catalog.SELECTION_MAX_FRAMES:
            raise GenerationError(
                "invalid_selection", f"Invalid request parameters: at most {catalog.SELECTION_MAX_FRAMES} frames can be marked",
                field="frame_index",
            )
        merged = marks.get(index, []) + [point for point in added if point not in marks.get(index, [])]
        if len(merged) > catalog.SELECTION_MAX_POINTS:
            raise GenerationError(
                "invalid_selection", f"Invalid request parameters: at most {catalog.SELECTION_MAX_POINTS} points a frame",
                field="points",
            )
        marks[index] = merged
        return _save_marks(session, marks)


def do_delete_selection(*, team, session_id, frame_index, points) -> SelectionSession:
    """delete-selection: unmark points of a frame; each must be one added before (exactly, as upstream)."""
    with transaction.atomic():
        session = live_session(team, session_id, for_update=True)
        index = _frame_index(session, frame_index)
        removed = catalog.check_selection_points(points)
        marks = _marks(session)
        if any(point not in marks.get(index, []) for point in removed):
            raise GenerationError(
                "invalid_selection", f"Invalid request parameters: points must be ones added to frame {index}", field="points"
            )
        kept = [point for point in marks[index] if point not in removed]
        if kept:
            marks[index] = kept
        else:
            del marks[index]
        return _save_marks(session, marks)


def do_clear_selection(*, team, session_id) -> SelectionSession:
    """clear-selection: unmark every frame; the session stays open."""
    with transaction.atomic():
        session = live_session(team, session_id, for_update=True)
        return _save_marks(session, {})


def do_remove_expired_sessions(*, now=None) -> int:
    """Delete every session past its 24 hours (housekeeping); how many went. They are already unusable."""
    deleted, _ = SelectionSession.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted

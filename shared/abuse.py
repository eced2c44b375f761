"""Guards on inbound SMS: a per-number throttle and a loop guard, so floods and bots go unanswered.

Without them, 200 texts from one number in 10 s got 200 replies (250
segments), and an auto-responder and an echo bot each kept a loop going for 50
of 50 rounds. Every text is still stored; a guarded one is just not answered,
and runs no flow (only STOP and START still count, silently).

The throttle is a token bucket: BURST texts at once are answered, then one
every REFILL_EVERY. A person trying things out by hand (eleven texts in 45
seconds) never meets it, since a reply of up to two segments must be read
before the next text is typed; a flood costs at most BURST answers and one
notice. The notice says why the number is not answered, once per episode: it
is sent again only after we have answered that number since the last one.

The loop guard does what RapidPro does (mailroom's loop protection): after
LOOP_LIMIT similar messages in LOOP_WINDOW, stop replying. Similar means the
same text once folded (case, accents, spacing, punctuation), or the same reply
we would send. A loop slower than the throttle's limit is caught by this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.audit import record_audit
from shared.clock import iso, parse
from shared.db import Database, row, rows
from shared.keywords import fold

BURST = 20
REFILL_EVERY = timedelta(seconds=6)  # ten texts a minute once the burst is spent
LOOP_LIMIT = 20
LOOP_WINDOW = timedelta(minutes=5)

ANSWER, NOTICE, SILENT, LOOP = "answer", "notice", "silent", "loop"


@dataclass(frozen=True)
class History:
    """What the guards need to know of one contact's recent SMS."""

    inbound: tuple[tuple[datetime, str], ...] = ()  # (when, body) within LOOP_WINDOW
    replies: tuple[str, ...] = ()                   # reply bodies within LOOP_WINDOW
    last_reply_at: datetime | None = None           # when we last answered, at any time
    throttle_notice_at: datetime | None = None
    loop_stopped_at: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether to answer a text: ANSWER, NOTICE (the throttle's one notice), SILENT or LOOP."""

    kind: str
    audit: str | None = None  # the audit action, the first time in an episode

    @property
    def answers(self) -> bool:
        return self.kind == ANSWER


def similar(text: str) -> str:
    """Return the text as the loop guard compares it: folded, words only."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def judge(history: History, text: str, reply: str, now: datetime) -> Verdict:
    """Decide whether an inbound text is answered, given the contact's recent SMS."""
    if tokens_left(sorted(when for when, _ in history.inbound) + [now]) < 0:
        notice_at = history.throttle_notice_at
        # The notice is itself a reply made at notice_at: only a later one counts.
        answered_since = (history.last_reply_at is not None
                          and (notice_at is None or history.last_reply_at > notice_at))
        if notice_at is None or answered_since:
            return Verdict(NOTICE, audit="sms_throttled")
        return Verdict(SILENT)
    wanted = similar(text)
    same_texts = sum(1 for _, body in history.inbound if similar(body) == wanted)
    same_replies = sum(1 for body in history.replies if reply and body == reply)
    if same_texts >= LOOP_LIMIT or same_replies >= LOOP_LIMIT:
        stopped = history.loop_stopped_at
        first = stopped is None or now >= stopped + LOOP_WINDOW
        return Verdict(LOOP, audit="sms_loop_stopped" if first else None)
    return Verdict(ANSWER)


def tokens_left(times: list[datetime]) -> float:
    """Return what is left in the bucket after texts at these times (negative: too many)."""
    tokens, last = float(BURST), None
    for when in times:
        if last is not None:
            tokens = min(float(BURST), tokens + (when - last) / REFILL_EVERY)
        tokens, last = tokens - 1, when
    return tokens


def load_history(db: Database, contact_id: int | None, *, now: datetime) -> History:
    """Read the contact's SMS of the last LOOP_WINDOW and the guards' marks."""
    if contact_id is None:
        return History()
    recent = rows(db, "SELECT direction, body, created_at FROM messages"
                      " WHERE contact_id = ? AND created_at > ?"
                      " AND (direction = 'in' OR kind IN ('reply', 'consent_reply'))",
                  (contact_id, iso(now - LOOP_WINDOW)))
    marks = row(db, "SELECT * FROM sms_guards WHERE contact_id = ?", (contact_id,)) or {}
    last_reply = row(db, "SELECT max(created_at) AS at FROM messages WHERE contact_id = ?"
                         " AND direction = 'out' AND kind IN ('reply', 'consent_reply')",
                     (contact_id,))["at"]
    return History(
        inbound=tuple((parse(m["created_at"]), m["body"]) for m in recent
                      if m["direction"] == "in"),
        replies=tuple(m["body"] for m in recent if m["direction"] == "out"),
        last_reply_at=_when(last_reply),
        throttle_notice_at=_when(marks.get("throttle_notice_at")),
        loop_stopped_at=_when(marks.get("loop_stopped_at")))


def record_verdict(db: Database, contact_id: int, verdict: Verdict, *, now: datetime) -> None:
    """Remember a guard's verdict for the next text, and audit the start of an episode."""
    if verdict.kind == NOTICE:
        column = "throttle_notice_at"
    elif verdict.kind == LOOP:
        column = "loop_stopped_at"  # moved on while the loop goes on: one audit per loop
    else:
        return
    db.execute(f"INSERT INTO sms_guards (contact_id, {column}) VALUES (?, ?)"
               f" ON CONFLICT (contact_id) DO UPDATE SET {column} = excluded.{column}",
               (contact_id, iso(now)))
    if verdict.audit:
        # Who and when, never what was texted.
        record_audit(db, actor="sms", action=verdict.audit, now=now, record_kind="contact",
                     record_id=contact_id)


def _when(text: str | None) -> datetime | None:
    return parse(text) if text else None

"""What each kind of flag offers, and the words for schedules and run counts (no database)."""

import pytest

from models.enums import FlagKind
from pool.inbox.display import count_text, schedule_words
from workflows.inbox.actions import ACTIONS, KIND_ACTIONS, register_actions


def test_every_kind_of_flag_offers_something_known():
    assert set(KIND_ACTIONS) == set(FlagKind)
    for kind, names in KIND_ACTIONS.items():
        assert names and all(n in ACTIONS for n in names), kind


def test_a_new_kind_names_known_actions_only(monkeypatch):
    monkeypatch.setitem(KIND_ACTIONS, "growth_star", ())
    register_actions("growth_star", "nominate")
    assert KIND_ACTIONS["growth_star"] == ("nominate",)
    with pytest.raises(ValueError, match="unknown flag actions"):
        register_actions("growth_star", "celebrate")


@pytest.mark.parametrize(("cron", "words"), [
    ("0 2 * * *", "每天 02:00"), ("30 2 * * *", "每天 02:30"), ("0 3 1 * *", "每月1日 03:00"),
    ("0 4 10 1 *", "每年1月10日 04:00"), ("0 6 * * 1", "每周一 06:00"), ("*/5 * * * *", "crontab：*/5 * * * *"),
    (None, "未设定"),
])
def test_schedules_in_words(cron, words):
    assert schedule_words(cron) == words


def test_run_counts_in_words():
    counts = {"examined": 1200, "flagged": 30, "opened": 4, "reopened": 0, "resolved": 2, "stored": 0,
              "skipped": {"近两年无年度数据": 17}}
    assert count_text(counts) == ("检查对象 1,200；符合条件 30；新提醒 4；重新提醒 0；已消除 2；"
                                  "跳过（近两年无年度数据） 17")
    assert count_text({}) == "—"

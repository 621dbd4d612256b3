"""The own-check planner on its own: back-off, reports outranking answers, stopping; no bus."""
import threading
import time
from typing import Any, List

from loopback import CLOSED_URL
from ovos_PHAL_plugin_wifi_setup.manager.scheduler import Scheduler
from ovos_PHAL_plugin_wifi_setup.manager.settings import Settings
from ovos_PHAL_plugin_wifi_setup.manager.watchdog import OwnChecks


def make(targets: Any = ((CLOSED_URL, None),)) -> "tuple[OwnChecks, List[bool]]":
    """An OwnChecks with small intervals and a list collecting its answers."""
    answers: List[bool] = []
    settings = Settings(check_interval_online=1, check_interval_online_max=5, check_interval_offline=2,
                        check_timeout=1)
    return OwnChecks(settings, Scheduler(), targets, threading.RLock(),
                     lambda online, network: answers.append(online)), answers


def test_backoff_doubles_while_online_and_resets_offline() -> None:
    """1, 2, 4, 5, 5 s while online; the offline interval, and a fresh start, after going offline."""
    checks, _ = make()
    assert [checks.next_delay(True) for _ in range(5)] == [1, 2, 4, 5, 5]
    assert checks.next_delay(False) == 2
    assert checks.next_delay(True) == 1


def test_an_answer_older_than_a_report_is_dropped() -> None:
    """A check planned before a report does not overwrite what the report said."""
    checks, answers = make()
    planned_at = checks.reports
    checks.note_report()
    checks.check_once(planned_at)
    assert answers == []
    checks.check_once(checks.reports)
    assert answers == [False]


def test_a_report_cancels_the_planned_check_unless_promised() -> None:
    """note_report() forgets a planned check; a promised one (as after a client's session) stays."""
    checks, _ = make()
    checks.plan(60)
    checks.note_report()
    assert not checks.planned and checks.reports_seen
    checks.plan(60, promised=True)
    checks.note_report()
    assert checks.planned


def test_without_urls_nothing_is_planned() -> None:
    """An empty network_tests section means no own check at all."""
    checks, _ = make(targets=())
    checks.plan(0)
    assert not checks.possible and not checks.planned


def test_stopped_checks_give_no_answer() -> None:
    """After stop() a check ends without calling back."""
    checks, answers = make()
    checks.stop()
    checks.check_once(checks.reports)
    assert answers == []


def test_a_routine_plan_does_not_put_off_a_promised_check() -> None:
    """The check promised after a client's session runs when promised, even if the next routine check (an older
    check's answer plans one) is planned for much later meanwhile."""
    checks, answers = make()
    scheduler = checks._scheduler
    runner = threading.Thread(target=scheduler.run, daemon=True)
    runner.start()
    try:
        checks.plan(0.2, promised=True)
        checks.plan(60)
        deadline = time.monotonic() + 10
        while not answers and time.monotonic() < deadline:
            time.sleep(0.02)
        assert answers == [False]
    finally:
        scheduler.stop()
        checks.stop()

"""Security and limits: field caps, ids the plugin owns, sessions nobody else can end, no shell, bandit clean."""
import ast
import importlib.util
import json
import subprocess  # noqa: S404 - runs ruff
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from helpers import NS, REMOTE, REMOTE2, register, send, status
from ovos_PHAL_plugin_wifi_setup import topics as t
from robust_support import MAX_REPLY_CHARS, is_uuid4

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ovos_PHAL_plugin_wifi_setup"


@pytest.fixture
def headless(make_plugin: Callable[..., Any]) -> Any:
    """A plugin with no GUI."""
    return make_plugin(gui="never")


# ---------------------------------------------------------------------- field caps
CAPS = [(t.K_CLIENT, t.MAX_CLIENT_LEN), (t.K_TYPE, t.MAX_TYPE_LEN), (t.K_TYPE_LONG, t.MAX_TYPE_LEN),
        (t.K_DISPLAY_TEXT, t.MAX_DISPLAY_TEXT_LEN), (t.K_DISPLAY_TEXT_LONG, t.MAX_DISPLAY_TEXT_LEN)]


def _record_with(key: str, value: str) -> dict:
    """REMOTE with one field (in either spelling) replaced."""
    record = {k: v for k, v in REMOTE.items() if k not in (key, key.replace("client_plugin_", ""))}
    record[key] = value
    return record


@pytest.mark.parametrize("key, cap", CAPS)
def test_a_field_at_its_cap_registers(bus: Any, recorder: Any, headless: Any, key: str, cap: int) -> None:
    """A value exactly as long as PROTOCOL.md's cap (in multi-byte characters too) is accepted whole."""
    value = "é" * cap
    send(bus, "register.client", _record_with(key, value))
    reply = recorder.last(NS + "client.registered")
    assert reply is not None and value in reply.values()


@pytest.mark.parametrize("key, cap", CAPS)
def test_a_field_over_its_cap_is_refused_without_echo(bus: Any, recorder: Any, headless: Any, key: str,
                                                      cap: int) -> None:
    """One character over the cap, or a megabyte over, is refused with a short reply naming the field."""
    for length in (cap + 1, 1_000_000):
        recorder.clear()
        send(bus, "register.client", _record_with(key, "x" * length))
        failure = recorder.last(NS + "client.registration.failure")
        assert failure is not None and f"'{key}' is {length} characters long" in failure["error"]
        assert len(json.dumps(failure)) < MAX_REPLY_CHARS
        assert recorder.of(NS + "client.registered") == []
    assert status(bus, recorder)["clients"] == []


@pytest.mark.parametrize("topic", ["deregister.client", "set.active.client"])
def test_an_oversized_name_or_id_is_not_echoed(bus: Any, recorder: Any, headless: Any, topic: str) -> None:
    """A request naming a megabyte-long client or id gets a failure reply of bounded size."""
    register(bus, recorder, REMOTE)
    for data in ({"client": "n" * 1_000_000}, {"client_id": "i" * 1_000_000}, {"id": "i" * 1_000_000}):
        recorder.clear()
        send(bus, topic, data)
        failures = [d for topic_, d in recorder.messages if topic_.endswith("failure")]
        assert len(failures) == 1 and len(json.dumps(failures[0])) < MAX_REPLY_CHARS


# Regression: an 'error' over 1024 characters made payload.parse_error_text raise, and the plugin ignored the
# whole failure report: the session ran on until activation_timeout (fixed in payload.parse_error_text).
def test_a_long_error_text_is_cut_and_the_failure_report_honoured(bus: Any, recorder: Any, headless: Any) -> None:
    """A failure report with a 100,000-character error ends the session; setup.failed carries a bounded error."""
    active = register(bus, recorder, REMOTE)
    send(bus, "set.active.client", {"client": "remote"})
    send(bus, "client.setup.failure", {"client": "remote", "error": "Traceback " * 10_000})
    assert NS + f"deactivate.{active}" in recorder.topics()
    failed = recorder.last(NS + "setup.failed")
    assert failed is not None and failed["error"].endswith("…") and len(failed["error"]) < 2 * 1024


# ---------------------------------------------------------------------- ids
def test_ids_are_uuid4_and_never_derived_from_names(bus: Any, recorder: Any, make_plugin: Callable[..., Any]) -> None:
    """The same name gets an unrelated uuid4 after deregistering and in another plugin; the name is not in it."""
    first = make_plugin(gui="never")
    ids = [register(bus, recorder, REMOTE)]
    send(bus, "deregister.client", {"client": "remote"})
    ids.append(register(bus, recorder, REMOTE))
    first.shutdown()
    make_plugin(gui="never")
    ids.append(register(bus, recorder, REMOTE))
    assert all(is_uuid4(i) for i in ids) and len(set(ids)) == 3
    assert not any("remote" in i for i in ids)


def test_an_id_in_a_registration_is_ignored(bus: Any, recorder: Any, headless: Any) -> None:
    """A client cannot choose its id, nor take another client's id by sending it."""
    victim = register(bus, recorder, REMOTE)
    send(bus, "register.client", {**REMOTE2, "id": victim, "client_id": victim})
    mallory = recorder.last(NS + "client.registered")
    assert mallory["client"] == "remote2" and mallory["id"] != victim and is_uuid4(mallory["id"])
    assert {c["client"]: c["id"] for c in status(bus, recorder)["clients"]} == {"remote": victim,
                                                                                "remote2": mallory["id"]}


def test_names_never_reach_topics(bus: Any, recorder: Any, headless: Any) -> None:
    """A name built like a topic cannot make the plugin send on another client's topic: topics carry ids only."""
    victim = register(bus, recorder, REMOTE)
    evil = f"x.deactivate.{victim}"
    send(bus, "register.client", {**REMOTE2, "client": evil})
    send(bus, "set.active.client", {"client": "remote"})
    send(bus, "set.active.client", {"client": evil})
    activation_topics = [topic for topic in recorder.topics() if ".activate." in topic or ".deactivate." in topic]
    assert all(is_uuid4(topic.rsplit(".", 1)[1]) for topic in activation_topics)
    assert activation_topics.count(NS + f"deactivate.{victim}") == 1  # from the switch, not from the name


# ---------------------------------------------------------------------- sessions nobody else can end
OTHERS = [{"client": "remote2"}, {"client_id": "OTHER"}, {"id": "OTHER"}, {"client": "remote", "client_id": "OTHER"},
          {"client": "remote2", "id": "ACTIVE"}, {"client": "nobody-registered"}]


@pytest.mark.parametrize("topic", ["remove.active.client", "client.setup.failure"])
@pytest.mark.parametrize("naming", OTHERS, ids=lambda d: "+".join(f"{k}={v}" for k, v in d.items()))
def test_a_request_naming_another_client_ends_no_session(bus: Any, recorder: Any, headless: Any, topic: str,
                                                         naming: dict) -> None:
    """remove.active.client or client.setup.failure naming anyone but the active client (even half of it) is
    refused: no deactivation, the session goes on."""
    active = register(bus, recorder, REMOTE)
    other = register(bus, recorder, REMOTE2)
    send(bus, "set.active.client", {"client": "remote"})
    payload = {k: {"OTHER": other, "ACTIVE": active}.get(v, v) for k, v in naming.items()}
    recorder.clear()
    send(bus, topic, payload)
    assert [m for m in recorder.topics() if ".deactivate." in m] == []
    assert status(bus, recorder)["active_client"]["id"] == active


# ---------------------------------------------------------------------- what the code may not do
FORBIDDEN_IMPORTS = {"subprocess", "pickle", "marshal", "shelve", "pty", "ctypes"}
FORBIDDEN_OS_CALLS = {"system", "popen", "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp",
                      "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp",
                      "spawnvpe", "posix_spawn", "posix_spawnp", "fork", "forkpty"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_process_spawning_or_code_evaluation(path: Path) -> None:
    """No module starts a process, evaluates text as code, or unpickles: the package acts only through the bus
    and its one state file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_IMPORTS, where
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_IMPORTS, where
            if node.module == "os":
                assert not {a.name for a in node.names} & FORBIDDEN_OS_CALLS, where
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                assert func.id not in FORBIDDEN_BUILTINS, f"{where} calls {func.id}"
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "os":
                assert func.attr not in FORBIDDEN_OS_CALLS, f"{where} calls os.{func.attr}"
            assert not any(k.arg == "shell" for k in node.keywords), f"{where} passes shell="


def test_ruff_bandit_rules_are_clean_on_the_package() -> None:
    """`ruff check --select S` (flake8-bandit) finds nothing in the package."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (it is in requirements-test.txt)")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "S", "--no-cache",  # noqa: S603
                             str(PACKAGE)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# Names under which the package holds a whole message payload.
PAYLOAD_NAMES = {"data", "payload", "message"}


def _whole_payload(expression: ast.expr) -> bool:
    """Tell whether an expression is a whole payload (`data`, `message.data`, `dict(message.data)`), unmasked."""
    if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name):
        if expression.func.id == "mask_secrets":
            return False
        return expression.func.id in ("dict", "repr", "str") and any(_whole_payload(a) for a in expression.args)
    if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
        # json.dumps(data), message.serialize()
        return expression.func.attr == "serialize" or (
            expression.func.attr == "dumps" and any(_whole_payload(a) for a in expression.args))
    if isinstance(expression, ast.Attribute):
        return expression.attr == "data"
    return isinstance(expression, ast.Name) and expression.id in PAYLOAD_NAMES


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_log_line_prints_a_payload_unmasked(path: Path) -> None:
    """A log line that prints a whole payload (its data, a dict or JSON of it, the serialized message) passes it
    through readable.mask_secrets first: no secret-like field reaches a log."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "LOG"):
            continue
        for part in ast.walk(node):
            if isinstance(part, ast.FormattedValue):
                assert not _whole_payload(part.value), f"{path.name}:{node.lineno} logs a payload unmasked"
        for argument in node.args[1:]:  # LOG.info("... %s", data)
            assert not _whole_payload(argument), f"{path.name}:{node.lineno} logs a payload unmasked"

"""run_demo: the demo's own messagebus, its two connections, the four rounds, the summary, and the clean-up."""
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, TextIO

from ovos_PHAL_plugin_wifi_setup.readable import MASK, duration
from ovos_PHAL_plugin_wifi_setup.tools.console import EXIT_INTERRUPTED, BusUnavailable, connect
from ovos_PHAL_plugin_wifi_setup.tools.demo.messagebus import (BusProcess, connect_when_up, free_port, use_tree,
                                                               write_tree)
from ovos_PHAL_plugin_wifi_setup.tools.demo.rounds import Demo
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import LOOPBACK, STEP_TIMEOUT, StepMissed
from ovos_PHAL_plugin_wifi_setup.tools.demo.timeline import Timeline

EXIT_OK = 0
EXIT_STEP_MISSED = 1
EXIT_MISSING = 2

INSTALL_HINT = ("the demo needs ovos-messagebus: run `make demo`, or `pip install -e '.[demo]'` in the package's "
                "checkout")


def run_demo(host: Optional[str] = None, port: Optional[int] = None, verbose: bool = False,
             out: TextIO = sys.stdout, step_timeout: float = STEP_TIMEOUT) -> int:
    """Play the rounds and print the timeline and a summary; return the exit code."""
    start = time.monotonic()
    own_bus = host is None and port is None
    # Found, not imported: importing it would read OVOS configuration before the tree below is in place.
    if own_bus and importlib.util.find_spec("ovos_messagebus") is None:
        print(f"ovos-wifi-setup: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_MISSING
    root = Path(tempfile.mkdtemp(prefix="ovos-wifi-setup-demo-"))
    host = host or LOOPBACK
    port = port or (free_port() if own_bus else 8181)
    # Before the OVOS modules below read configuration (the command line imports none of them): this
    # process, too, uses the throwaway tree, so nothing of the demo touches $HOME or the real device's XDG dirs.
    write_tree(root, host, port)
    use_tree(root)
    from ovos_utils.log import LOG
    LOG.set_level("DEBUG" if verbose else "CRITICAL")

    bus_process = BusProcess(root) if own_bus else None
    closers: List[Callable[[], None]] = []
    demo: Optional[Demo] = None
    code = EXIT_OK
    try:
        if bus_process is not None:
            print(f"starting ovos-messagebus on {host}:{port} (XDG tree {root})", file=out, flush=True)
            bus_process.start()
        print("Lines with >> tell what happens; the others are messages on the bus: the topic, then the payload "
              "(ids cut to their first 8 characters; (+name) names fields left out for width, … stands for more; "
              "the pages' translated texts are left out).", file=out, flush=True)
        print(f"Round 3: a scan's networks are shown as nmcli lists them (SSID:SECURITY); the on-screen method's "
              f"gui.value.set is shown when its page's step changes, networks_model as the page lists them (name, "
              f"then its security or Open). The demo never prints a Wi-Fi password: every password field shows as "
              f"password={MASK}.", file=out, flush=True)
        observer, close = connect_when_up(host, port, bus_process, start)
        closers.append(close)
        phal_bus, close = connect(host, port, step_timeout)
        closers.append(close)
        timeline = Timeline(observer, out, start)
        demo = Demo(phal_bus, timeline, step_timeout, private_bus=own_bus)
        demo.round_headless()
        demo.round_gui()
        demo.round_screen()
        demo.round_hotspot()
    except StepMissed as missed:
        print(f"ovos-wifi-setup demo: a step did not happen: {missed}", file=sys.stderr)
        code = EXIT_STEP_MISSED
    except BusUnavailable as error:
        tail = bus_process.tail() if bus_process is not None else ""
        print(f"ovos-wifi-setup demo: {error}" + (f"\n{tail}" if tail else ""), file=sys.stderr)
        code = EXIT_MISSING
    except LookupError as error:
        print(f"ovos-wifi-setup demo: {error}", file=sys.stderr)
        code = EXIT_MISSING
    except KeyboardInterrupt:
        print("ovos-wifi-setup demo: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    finally:
        if demo is not None:
            demo.close()
        for close in reversed(closers):
            close()
        if bus_process is not None:
            bus_process.stop()
        shutil.rmtree(root, ignore_errors=True)
    if code == EXIT_OK and demo is not None:
        _summary(demo, timeline, start, out)
    return code


def played(skipped: Dict[int, str]) -> str:
    """The rounds played, for the summary, and why each other one was not."""
    if not skipped:
        return "all four rounds"
    numbers = [str(number) for number in range(1, 5) if number not in skipped]
    rounds = f"rounds {', '.join(numbers[:-1])} and {numbers[-1]}" if len(numbers) > 1 else f"round {numbers[0]}"
    why = "; ".join(f"round {number} skipped: {reason}" for number, reason in sorted(skipped.items()))
    return f"{rounds} ({why})"


def _summary(demo: Demo, timeline: Timeline, start: float, out: TextIO) -> None:
    """Print what the rounds showed."""
    print(f"\n== Summary: {played(demo.skipped)} completed in {duration(time.monotonic() - start)} s ==", file=out)
    for step in demo.steps:
        print(f"  ok  {step}", file=out)
    print(f"{len(demo.steps)} steps, {timeline.lines} setup messages on the bus; everything the demo "
          "started is stopped.", file=out, flush=True)

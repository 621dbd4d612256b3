"""The demo's four rounds, step by step: a headless device, a screen, the on-screen method, the hotspot method."""
import json
import socket
import time
from typing import Any, Callable, Optional

from ovos_PHAL_plugin_wifi_setup import topics
from ovos_PHAL_plugin_wifi_setup.methods.networks import shape_networks
from ovos_PHAL_plugin_wifi_setup.readable import MASK, duration, mask_secrets, mask_spoken_digits, spoken_digits
from ovos_PHAL_plugin_wifi_setup.tools.console import short_id
from ovos_PHAL_plugin_wifi_setup.tools.demo.messagebus import free_port
from ovos_PHAL_plugin_wifi_setup.tools.demo.phone import Phone
from ovos_PHAL_plugin_wifi_setup.tools.demo.scene import (DEMO_PASSWORD, DEMO_SSID, DEMO_WRONG_PASSWORD,
                                                          HOTSPOT_EXTRA_INSTALL, HOTSPOT_NAME, LOOPBACK, MASKED_FIELD,
                                                          NM_NAME, ON_DEVICE_NAME, REMOTE_NAME, SCREEN_NAME,
                                                          StepMissed)
from ovos_PHAL_plugin_wifi_setup.tools.demo.standins import (HotspotNetworkManagerStandIn, NetworkManagerStandIn,
                                                             SampleClient)
from ovos_PHAL_plugin_wifi_setup.tools.demo.steps import Steps, for_client, plugin_config
from ovos_PHAL_plugin_wifi_setup.tools.demo.timeline import as_list

# On a bus the demo did not start, how long it listens for a real network-manager before round 3.
NM_PRESENT_WAIT = 1.0


class Demo(Steps):
    """The four rounds, step by step, each step a bounded wait for what must pass on the bus."""

    def round_headless(self) -> None:
        """Round 1: offline detected, a client that needs no input runs, the internet comes back."""
        tl = self.tl
        tl.heading("Round 1: headless device (gui: never), the watchdog on")
        remote = SampleClient(self.phal_bus, REMOTE_NAME, "Connect from your phone (demo)",
                              topics.TYPE_REMOTE, False)
        on_device = SampleClient(self.phal_bus, ON_DEVICE_NAME, "Set up on this screen (demo)",
                                 topics.TYPE_ON_DEVICE, True)
        self.clients = [remote, on_device]
        tl.say(f"two sample clients built on the kit: {REMOTE_NAME} (Remote, needs no input) and "
               f"{ON_DEVICE_NAME} (onDevice, needs input)")
        tl.say(f"{REMOTE_NAME} starts before the manager")
        mark = tl.mark()
        remote.kit.start()
        self.check(f"{REMOTE_NAME} registers before the manager runs",
                   topics.REGISTER_CLIENT, mark, for_client(REMOTE_NAME))
        time.sleep(0.2)  # let the lone registration pass before the manager listens
        if not tl.seen_since(topics.CLIENT_REGISTERED, mark):
            tl.say("no manager runs yet, so nobody answers; the kit registers again when one announces itself")
        mark = tl.mark()
        tl.say("ovos-PHAL loads ovos-PHAL-plugin-wifi-setup through its entry point")
        self.start_plugin(plugin_config(enable_watchdog=True, gui="never"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks whether network-manager runs", mark)
        if self.private_bus:
            from ovos_PHAL_plugin_wifi_setup.methods.screen.client import PROBE_FOR, PROBE_INTERVAL
            tl.say(f"the built-in on-screen method (screen_client \"auto\") asked whether {NM_NAME} runs: none "
                   f"does in rounds 1 and 2, so it does not register (it asks again every {duration(PROBE_INTERVAL)} s "
                   f"for {duration(PROBE_FOR)} s, and when a round opens)")
        remote_id = self.registered(f"{REMOTE_NAME} registers on alive", remote, mark)
        mark = tl.mark()
        tl.say(f"{ON_DEVICE_NAME} starts, now that the manager runs")
        on_device.kit.start()
        self.registered(f"{ON_DEVICE_NAME} registers", on_device, mark)
        self.ids = {REMOTE_NAME: remote_id, ON_DEVICE_NAME: str(on_device.kit.client_id)}

        mark, before = tl.mark(), remote.activations
        tl.say("connectivity-events reports: the internet is down")
        tl.emit(topics.INTERNET_DISCONNECTED)
        self.check("the watchdog launches setup (grace 0)", topics.SETUP_LAUNCHED, mark)
        tl.say(f"headless: the manager picks {REMOTE_NAME}, the client that needs no input")
        self.say_settle_wait(remote.name)
        self.activated(f"headless: {REMOTE_NAME} (needs no input) is activated", remote, remote_id, mark, before)
        tl.say(f"{REMOTE_NAME}: activated; the phone joins its hotspot and sends the Wi-Fi password")
        tl.say(f"{REMOTE_NAME}: joined the network, ends its session")
        session_end, before = tl.mark(), remote.deactivations
        remote.kit.request_deactivate()
        self.check(f"{REMOTE_NAME} asks to end its session", topics.REMOVE_ACTIVE_CLIENT, session_end,
                   for_client(REMOTE_NAME))
        self.deactivated(f"the manager ends {REMOTE_NAME}'s session", remote, remote_id, session_end, before)
        tl.say(f"{REMOTE_NAME}: session ended")
        if not tl.seen_since(topics.NOTIFY_NO_INTERNET, mark):
            tl.say("no other part of OVOS has told the device it is offline: the manager does, "
                   f"notice_window ({duration(self.plugin.settings.notice_window)} s) after the report")
        self.check("the device is told it is offline", topics.NOTIFY_NO_INTERNET, mark)

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops the plugin; the sample clients (parts of other PHAL plugins) keep running")
        self.stop_plugin()

    def round_gui(self) -> None:
        """Round 2: the selection page, a client that fails, the page again, "Connect later"."""
        tl = self.tl
        remote, on_device = self.clients
        tl.heading("Round 2: with a screen (gui: always)")
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again: a fresh instance; the running clients register again on alive")
        self.start_plugin(plugin_config(enable_watchdog=False, gui="always"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks again for network-manager", mark)
        if self.private_bus:
            tl.say(f"no {NM_NAME} runs yet: the on-screen method stays off the selection page")
        new_ids = {REMOTE_NAME: self.registered(f"{REMOTE_NAME} registers again", remote, mark),
                   ON_DEVICE_NAME: self.registered(f"{ON_DEVICE_NAME} registers again", on_device, mark)}
        changed = [f"{name} {short_id(self.ids[name])} -> {short_id(new_ids[name])}"
                   for name in (REMOTE_NAME, ON_DEVICE_NAME) if self.ids.get(name) != new_ids[name]]
        if changed:
            tl.say(f"new ids: {', '.join(changed)}")
            tl.say("why: each plugin instance hands out its own ids and keeps them in memory only; the kit "
                   "takes its new id from client.registered and listens on activate/deactivate.<new id>")
        on_device_id = new_ids[ON_DEVICE_NAME]

        mark = tl.mark()
        tl.say("the user taps the shell's wireless button")
        tl.emit(topics.USER_ACTIVATED)
        self.check("setup launches", topics.SETUP_LAUNCHED, mark)
        self.check("the selection page is shown", "gui.page.show", mark, _from_plugin)

        mark, before = tl.mark(), on_device.activations
        tl.say(f"on the selection page the user picks \"{on_device.kit.display_text}\"")
        tl.emit(topics.CLIENT_SELECT, {topics.K_CLIENT: ON_DEVICE_NAME, topics.K_ID: on_device_id})
        self.check(f"the pick becomes a request to activate {ON_DEVICE_NAME}", topics.SET_ACTIVE_CLIENT, mark,
                   for_client(ON_DEVICE_NAME))
        self.say_settle_wait(on_device.name)
        self.activated(f"{ON_DEVICE_NAME} is activated", on_device, on_device_id, mark, before)
        tl.say(f"{ON_DEVICE_NAME}: activated; it finds no Wi-Fi adapter and reports a failure")
        failure, before = tl.mark(), on_device.deactivations
        on_device.kit.report_setup_failure("demo: no Wi-Fi adapter found")
        self.check(f"{ON_DEVICE_NAME} reports a failure", topics.CLIENT_SETUP_FAILURE, failure)
        after = self.deactivated(f"{ON_DEVICE_NAME}'s session is ended", on_device, on_device_id, failure, before)
        tl.say(f"{ON_DEVICE_NAME}: session ended")
        self.check("the selection page is shown again, without the client that failed", "gui.page.show", after,
                   _from_plugin)

        mark = tl.mark()
        tl.say("on the selection page the user picks \"Connect later\"")
        tl.emit(topics.SKIP_SETUP)
        self.check("setup ends", topics.STOP_SETUP, mark)
        self.check("the device stays offline for now", topics.FULLY_OFFLINE_OUT, mark,
                   lambda m: m.data.get("permanent") is False)
        tl.say("ovos-PHAL stops: the sample clients leave, then the plugin stops")
        self.leave()
        tl.say("ovos-PHAL stops the plugin")
        self.stop_plugin()

    def network_manager_answers(self) -> bool:
        """On a bus the demo did not start: True when something there answers as network-manager does."""
        answers = (topics.NM_IS_CONNECTED, topics.NM_IS_NOT_CONNECTED)
        if any(self.tl.seen_since(topic, 0) for topic in answers):
            return True
        mark = self.tl.mark()
        self.tl.emit(topics.NM_GET_CONNECTED)
        deadline = time.monotonic() + NM_PRESENT_WAIT
        while time.monotonic() < deadline:
            if any(self.tl.seen_since(topic, mark) for topic in answers):
                return True
            time.sleep(0.05)
        return False

    def round_screen(self) -> bool:
        """Round 3: the built-in on-screen method joins a network: a wrong password, then the right one.

        Returns False when it is not played: on a bus where a real network-manager answers (it would try the
        demo's made-up networks with nmcli).
        """
        tl = self.tl
        tl.heading("Round 3: the built-in on-screen method (gui: always, screen_client: auto)")
        round_start = tl.mark()
        if not self.private_bus and self.network_manager_answers():
            tl.say(f"a real {NM_NAME} answers on this bus: the demo does not drive it, and skips round 3")
            self.skipped[3] = f"a real {NM_NAME} answers on this bus"
            return False
        tl.say(f"a stand-in for {NM_NAME} 1.3.5 starts: it answers ovos.phal.nm.* as that plugin does, from a "
               f"made-up scan; no nmcli runs and no Wi-Fi is touched")
        self.nm = NetworkManagerStandIn(self.phal_bus)
        self.nm.start()
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again, screen_client \"auto\" as by default")
        self.start_plugin(plugin_config(enable_watchdog=False, gui="always", screen_client="auto"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        self.probed("the on-screen method asks whether network-manager runs", mark)
        self.check("network-manager's stand-in answers", topics.NM_IS_NOT_CONNECTED, mark)
        message, after = self.check("the on-screen method registers", topics.CLIENT_REGISTERED, mark,
                                    for_client(SCREEN_NAME))
        screen_id = str(message.data.get(topics.K_ID))
        self.registered_at[SCREEN_NAME] = tl.arrived(after)
        tl.say(f"{NM_NAME} answered and a screen is in use: the on-screen method registered, a client like any "
               "other")

        mark = tl.mark()
        tl.say("the user taps the shell's wireless button")
        tl.emit(topics.USER_ACTIVATED)
        self.check("setup launches", topics.SETUP_LAUNCHED, mark)
        page, _ = self.check("the selection page offers the on-screen method", "gui.value.set", mark,
                             lambda m: _from_plugin(m) and _offered(m) is not None)
        self.check("the selection page is shown", "gui.page.show", mark, _from_plugin)
        shown_text = _offered(page)

        mark = tl.mark()
        tl.say(f"on the selection page the user taps \"{shown_text}\"")
        tl.emit(topics.CLIENT_SELECT, {topics.K_CLIENT: SCREEN_NAME, topics.K_ID: screen_id})
        self.check("the pick becomes a request to activate the on-screen method", topics.SET_ACTIVE_CLIENT, mark,
                   for_client(SCREEN_NAME))
        self.say_settle_wait(SCREEN_NAME)
        self.check("the on-screen method is activated", topics.activate_topic(screen_id), mark)
        self.check("its page is shown", "gui.page.show", mark, _from_screen)
        self.check("it asks network-manager to scan", topics.NM_SCAN, mark)
        scan, _ = self.check("network-manager's stand-in lists the access points", topics.NM_SCAN_COMPLETE, mark)
        listed, _ = self.check("the page lists the networks", "gui.value.set", mark, _screen_step("list"))
        self.say_networks(scan, listed)

        mark = tl.mark()
        tl.say(f"the user taps \"{DEMO_SSID}\", types a wrong password (a typo) and taps Connect; the page sends "
               f"it (the timeline shows every password as {MASK})")
        tl.emit(topics.SCREEN_CONNECT, {"ssid": DEMO_SSID, MASKED_FIELD: DEMO_WRONG_PASSWORD})
        self.connecting(mark, "the wrong password")
        failure, after = self.check("network-manager's stand-in refuses the password", topics.NM_CONNECT_FAILED,
                                    mark)
        self.check("the on-screen method scans again", topics.NM_SCAN, after)
        failed, _ = self.check("the page shows why", "gui.value.set", after, _screen_step("failed"))
        error = str(failed.data.get("error", ""))
        if DEMO_SSID not in error or "password" not in error:
            raise StepMissed(f"the page shows why: it says {error!r}, not that the password was refused")
        tl.say(f"as 1.3.5 does after a refused password, network-manager forgot {DEMO_SSID}'s profile and said only "
               f"\"{failure.data.get('errorMessage')}\", naming no network: the method scanned again, {DEMO_SSID} "
               "is still in reach, so the password is the likely cause")
        tl.say(f"the page shows: \"{error}\"")

        mark = tl.mark()
        tl.say(f"the user taps \"{DEMO_SSID}\" again, types the right password and taps Connect")
        tl.emit(topics.SCREEN_CONNECT, {"ssid": DEMO_SSID, MASKED_FIELD: DEMO_PASSWORD})
        self.connecting(mark, "the right password")
        self.check("network-manager's stand-in joins the network", topics.NM_CONNECTED_OK, mark,
                   lambda m: m.data.get("connection_name") == DEMO_SSID)
        self.check("the page says it is connected", "gui.value.set", mark, _screen_step("connected"))
        self.check("the on-screen method ends its session", topics.REMOVE_ACTIVE_CLIENT, mark,
                   for_client(SCREEN_NAME))
        self.check("the manager ends the on-screen method's session", topics.deactivate_topic(screen_id), mark)
        self.check("its page goes", "gui.clear.namespace", mark, _from_screen)
        tl.say(f"the page said \"Connected to {DEMO_SSID}\"; the on-screen method ended its session and let go "
               "of the screen")

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops: the plugin stops, and its on-screen method leaves the list with it")
        self.stop_plugin()
        self.check("the on-screen method leaves", topics.DEREGISTER_CLIENT, mark, for_client(SCREEN_NAME))
        completed = sum(1 for m in tl.since(round_start) if m.msg_type == topics.WIFI_SETUP_COMPLETED)
        if completed != 1:
            raise StepMissed(f"the round completes once: ovos.wifi.setup.completed passed {completed} times")
        self.steps.append("the round completed once (one ovos.wifi.setup.completed)")
        tl.say(f"{NM_NAME}'s stand-in stops")
        self.nm.stop()
        return True

    def round_hotspot(self) -> bool:
        """Round 4: headless, the built-in hotspot method; the demo plays the phone: the captive-portal check, the
        list of networks, a wrong password, then the right one.

        Returns False when it is not played: without the package's hotspot extra, whose dbus-fast and dnslib the
        method's modules (and the phone's resolver) import.
        """
        tl = self.tl
        tl.heading("Round 4: headless, the built-in hotspot method (gui: never, hotspot_client: auto)")
        try:
            from ovos_PHAL_plugin_wifi_setup.methods.hotspot.client import HotspotClient, HotspotConfig, ssid_for
        except ImportError as missing:
            tl.say(f"round 4 is not played: the hotspot method needs the package's hotspot extra (dbus-fast, "
                   f"dnslib), and {missing.name or missing} is not installed; `{HOTSPOT_EXTRA_INSTALL}` in the "
                   "package's checkout installs it")
            self.skipped[4] = f"the hotspot extra is not installed: {HOTSPOT_EXTRA_INSTALL}"
            return False
        round_start = tl.mark()
        standin = HotspotNetworkManagerStandIn()
        hotspot_ssid = ssid_for(standin.device.hw_address)
        tl.say("a stand-in plays NetworkManager: a Wi-Fi device wlan0 able to be an access point and the made-up "
               "networks; it opens no access point, and no D-Bus is used")
        web_port, dns_port = free_port(), free_port(socket.SOCK_DGRAM)
        config = HotspotConfig(address=LOOPBACK, http_port=web_port, dns_port=dns_port, join_timeout=30)
        phone = Phone(web_port, dns_port, self.step_timeout, tl.say)
        mark = tl.mark()
        tl.say("ovos-PHAL starts the plugin again: headless, the watchdog on")
        self.start_plugin(plugin_config(enable_watchdog=True, gui="never", screen_client="never"))
        self.check("the manager announces itself", topics.ALIVE, mark)
        tl.say(f"the hotspot method starts beside it, over the stand-in; its page and DNS responder will listen on "
               f"{LOOPBACK} ports {web_port} and {dns_port} (on a device: 10.42.0.1, ports 80 and 53)")
        self.hotspot = HotspotClient(self.phal_bus, mode="auto", config=config, network_manager=lambda: standin)
        self.hotspot.start()
        message, after = self.check("the hotspot method registers (NetworkManager has a Wi-Fi device able to be "
                                    "an access point)", topics.CLIENT_REGISTERED, mark, for_client(HOTSPOT_NAME))
        hotspot_id = str(message.data.get(topics.K_ID))
        self.registered_at[HOTSPOT_NAME] = tl.arrived(after)

        mark = tl.mark()
        tl.say("connectivity-events reports: the internet is down")
        tl.emit(topics.INTERNET_DISCONNECTED)
        self.check("the watchdog launches setup", topics.SETUP_LAUNCHED, mark)
        self.say_settle_wait(HOTSPOT_NAME)
        self.check("headless: the hotspot method (needs no input) is activated", topics.activate_topic(hotspot_id),
                   mark)
        said, _ = self.check("the device says what to do", topics.SPEAK, mark,
                             lambda m: hotspot_ssid in str(m.data.get("utterance")))
        utterance = str(said.data.get("utterance"))
        tl.say(f"the device says: \"{mask_spoken_digits(utterance)}\" (the passphrase it says is masked here)")
        phone.wait_for_page()
        self.steps.append("the hotspot opens: the access point (WPA2, a passphrase made for this session), the DNS "
                          "responder and the setup page")
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done)}")

        passphrase = spoken_digits(utterance)
        if len(passphrase) != 12 or not standin.associate(hotspot_ssid, passphrase):
            raise StepMissed("the phone joins the setup network with the 12 digits the device said")
        self.steps.append("the phone joins the WPA2 setup network with the passphrase the device said")
        tl.say(f"the user types the 12 digits the device said ({MASK}): the phone joins {hotspot_ssid}; its "
               "captive-portal check looks up connectivitycheck.gstatic.com")
        answer = phone.look_up("connectivitycheck.gstatic.com")
        if answer != LOOPBACK:
            raise StepMissed(f"the catch-all DNS answers with the device's address: it answered {answer!r}")
        self.steps.append("the catch-all DNS answers every name with the device's address")
        tl.say(f"the DNS responder answers {answer}: every name is the device")
        status, headers, _ = phone.get("/generate_204", host="connectivitycheck.gstatic.com")
        if status != 302:
            raise StepMissed(f"the captive-portal check is sent to the setup page: HTTP {status}")
        self.steps.append("the phone's captive-portal check is sent to the setup page")
        tl.say(f"GET http://connectivitycheck.gstatic.com/generate_204 -> {status}, "
               f"Location {headers.get('location')}: the phone opens the setup page")
        status, _, page = phone.get("/")
        title = self.hotspot.catalogue.text("hotspot_title")
        if status != 200 or title not in page:
            raise StepMissed(f"the setup page opens: HTTP {status}")
        tl.say(f"GET / -> {status}: the page \"{title}\", in the device's language")
        status, _, body = phone.get("/api/networks")
        listed = [n.get("ssid") for n in json.loads(body).get("networks", [])]
        if listed != ["Home", "Café Ü", "Studio"]:
            raise StepMissed(f"the page lists the scan's networks, each once, strongest first: {listed}")
        self.steps.append("the page lists the networks of the scan: each once, hidden ones left out, strongest first")
        tl.say(f"GET /api/networks -> {status}: {body}")

        mark = tl.mark()
        tl.say(f"the user picks \"{DEMO_SSID}\", types a wrong password (a typo) and taps Connect")
        phone.connect(DEMO_SSID, DEMO_WRONG_PASSWORD)
        failed = phone.wait_for("failed")
        tl.say(f"GET /api/status -> {json.dumps(mask_secrets(failed), ensure_ascii=False)}")
        if "password" not in str(failed.get("error", "")):
            raise StepMissed(f"the page says why the join failed: {failed}")
        self.steps.append("a wrong password: the page says so, and the hotspot opens again")
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done[-3:])}")

        if not standin.associate(hotspot_ssid, passphrase):
            raise StepMissed("the setup network comes back with the same passphrase")
        tl.say(f"the phone rejoins {hotspot_ssid} (the same passphrase); the user types the right password for "
               f"{DEMO_SSID}")
        phone.connect(DEMO_SSID, DEMO_PASSWORD)
        self.check("the hotspot method ends its session", topics.REMOVE_ACTIVE_CLIENT, mark,
                   for_client(HOTSPOT_NAME))
        connected = phone.wait_for("connected")
        tl.say(f"GET /api/status -> {json.dumps(mask_secrets(connected), ensure_ascii=False)}: the page says \""
               f"{self.hotspot.catalogue.text('hotspot_connected', ssid=DEMO_SSID)}\"")
        self.steps.append("the right password: the device joins the network, the page says it is connected")
        tl.say(f"NetworkManager's stand-in did: {'; '.join(standin.done[-2:])}")
        self.check("the manager ends the hotspot method's session", topics.deactivate_topic(hotspot_id), mark)

        mark = self.internet_comes_up()
        tl.say("ovos-PHAL stops: the hotspot method leaves the list, then the plugin stops")
        hotspot, self.hotspot = self.hotspot, None
        hotspot.shutdown()
        self.check("the hotspot method leaves", topics.DEREGISTER_CLIENT, mark, for_client(HOTSPOT_NAME))
        self.check("the manager confirms the hotspot method left", topics.CLIENT_DEREGISTERED, mark,
                   for_client(HOTSPOT_NAME))
        self.stop_plugin()
        carried = [m.msg_type for m in tl.since(round_start)
                   if DEMO_PASSWORD in m.serialize() or DEMO_WRONG_PASSWORD in m.serialize()]
        if carried:
            raise StepMissed(f"no Wi-Fi password passes on the bus: {carried} carried one")
        self.steps.append("no Wi-Fi password passed on the bus: the page handed it to NetworkManager only")
        return True

    def connecting(self, since: int, which: str) -> None:
        """The page's connect request, the page's "connecting" step and network-manager's connect pass."""
        self.check(f"the page sends {DEMO_SSID} and {which} (masked)", topics.SCREEN_CONNECT, since,
                   lambda m: m.data.get("ssid") == DEMO_SSID)
        self.check(f"the page says it is connecting to {DEMO_SSID}", "gui.value.set", since,
                   _screen_step("connecting"))
        self.check(f"the on-screen method hands {which} to network-manager (masked)", topics.NM_CONNECT, since,
                   lambda m: m.data.get("connection_name") == DEMO_SSID)

    def say_networks(self, scan: Any, listed: Any) -> None:
        """Narrate the scan and the page's list, and check the list is the scan's networks, each once."""
        entries = [entry for entry in as_list(scan.data.get("networks")) if isinstance(entry, dict)]
        names = [str(entry.get("ssid", "")) for entry in entries]
        hidden = sum(1 for name in names if not name.strip())
        twice = sorted({name for name in names if name.strip() and names.count(name) > 1})
        shown = as_list(listed.data.get("networks_model"))
        expected = [network.as_payload() for network in shape_networks(entries)]
        if shown != expected or len({n.get("ssid") for n in shown}) != len(shown):
            raise StepMissed(f"the page lists the networks: it lists {shown}, not each network of the scan once")
        self.steps.append("each network once, hidden ones left out, secured ones marked")
        self.tl.say(f"the scan lists {len(entries)} access points: {', '.join(twice) or 'none'} seen twice, "
                    f"{hidden} hidden (no name)")
        secured = [str(n.get("ssid")) for n in shown if n.get("secured")]
        open_ones = [str(n.get("ssid")) for n in shown if not n.get("secured")]
        self.tl.say(f"the page lists {len(shown)} networks, each once, {hidden} hidden left out; secured, marked "
                    f"with their security: {', '.join(secured) or 'none'}; open: {', '.join(open_ones) or 'none'}")


def _from_plugin(message: Any) -> bool:
    """Match GUI messages our plugin sent."""
    return message.data.get("__from") == topics.PLUGIN_ID


def _from_screen(message: Any) -> bool:
    """Match GUI messages of the on-screen method."""
    return message.data.get("__from") == SCREEN_NAME


def _screen_step(step: str) -> Callable[[Any], bool]:
    """Match the on-screen method's session data once its page shows step."""
    return lambda message: _from_screen(message) and message.data.get("step") == step


def _offered(message: Any) -> Optional[str]:
    """The text the selection page shows for the on-screen method, or None when it does not list it."""
    for entry in as_list(message.data.get(topics.SESSION_CLIENTS)):
        if isinstance(entry, dict) and entry.get(topics.K_CLIENT) == SCREEN_NAME:
            return str(entry.get(topics.K_DISPLAY_TEXT) or SCREEN_NAME)
    return None

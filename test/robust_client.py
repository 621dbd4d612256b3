"""A network client as its own process, for the fault tests: registers, follows its sessions, and can be killed.

Run as ``python robust_client.py PORT NAME STATUS_DIR``: it writes ``registered`` (its id) and ``activated``
into STATUS_DIR as those happen, and never ends its session by itself.
"""
import sys
import time
from pathlib import Path


def main(port: int, name: str, status_dir: Path) -> None:
    """Register as a headless client, note what happens, and wait to be killed."""
    from ovos_bus_client import MessageBusClient
    from ovos_bus_client.message import Message

    from ovos_PHAL_plugin_wifi_setup import topics as t
    bus = MessageBusClient(host="127.0.0.1", port=port)
    bus.run_in_thread()
    bus.connected_event.wait(30)

    def registered(message: Message) -> None:
        """Learn our id, follow our activations, and say so on disk."""
        if message.data.get(t.K_CLIENT) != name:
            return
        client_id = message.data[t.K_ID]
        bus.on(t.activate_topic(client_id), lambda _: (status_dir / "activated").write_text(client_id))
        (status_dir / "registered").write_text(client_id)

    bus.on(t.CLIENT_REGISTERED, registered)
    bus.emit(Message(t.REGISTER_CLIENT, {t.K_CLIENT: name, t.K_TYPE: t.TYPE_ON_DEVICE,
                                         t.K_DISPLAY_TEXT: f"{name} (a process)", t.K_REQUIRES_INPUT: False}))
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))

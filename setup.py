"""Packaging for ovos-PHAL-plugin-wifi-setup."""
import os

from setuptools import find_packages, setup

BASEDIR = os.path.abspath(os.path.dirname(__file__))
PACKAGE = "ovos_PHAL_plugin_wifi_setup"
PLUGIN_ENTRY_POINT = f"ovos-PHAL-plugin-wifi-setup={PACKAGE}:WifiSetupPlugin"


def get_version() -> str:
    """Read the version from the package's version.py without importing it."""
    scope: dict = {}
    with open(os.path.join(BASEDIR, PACKAGE, "version.py"), encoding="utf-8") as f:
        exec(f.read(), scope)  # noqa: S102 - our own file, read at build time only
    return scope["__version__"]


def required(requirements_file: str) -> list:
    """Read a requirements file, skipping blank lines and comments."""
    with open(os.path.join(BASEDIR, requirements_file), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def package_files(directory: str) -> list:
    """List every file below a package folder, relative to the package."""
    paths = []
    for path, _dirs, files in os.walk(os.path.join(BASEDIR, PACKAGE, directory)):
        for filename in files:
            paths.append(os.path.relpath(os.path.join(path, filename), os.path.join(BASEDIR, PACKAGE)))
    return paths


with open(os.path.join(BASEDIR, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="ovos-PHAL-plugin-wifi-setup",
    version=get_version(),
    description="The network-setup manager of OpenVoiceOS: picks the client that runs Wi-Fi setup",
    long_description=long_description,
    long_description_content_type="text/markdown",
    url="https://github.com/OpenVoiceOS/ovos-PHAL-plugin-wifi-setup",
    license="Apache-2.0",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    # The GUI pages, the catalogues and the hotspot's setup page (its HTML, CSS and JavaScript) are package data.
    package_data={PACKAGE: package_files("gui") + package_files("locale") + package_files("methods/hotspot/page")},
    include_package_data=True,
    python_requires=">=3.9",
    install_requires=required("requirements.txt"),
    extras_require={
        "test": required("requirements-test.txt"),
        "demo": required("requirements-demo.txt"),
        # The on-screen Wi-Fi method drives ovos-PHAL-plugin-network-manager over the bus (never an import);
        # a device with a screen installs it beside this package.
        "screen": ["ovos-PHAL-plugin-network-manager>=1.3.5,<2"],
        # The "connect from your phone" method of devices without a screen: NetworkManager over the system D-Bus
        # (dbus-fast: asyncio, no libdbus, no subprocess), the catch-all DNS answers of its captive portal
        # (dnslib: parses and builds DNS packets, no network code of its own), and the HTTP/1.1 of its setup page
        # (h11: a small, well-kept sans-I/O parser and writer in pure Python; the page's asyncio server feeds it), and
        # the Wi-Fi QR code its page on the device's screen shows (segno: a well-kept QR encoder in pure Python).
        "hotspot": ["dbus-fast>=2.0,<6", "dnslib>=0.9.20,<0.10", "h11>=0.14,<1", "segno>=1.5,<2"],
    },
    entry_points={
        "opm.phal": PLUGIN_ENTRY_POINT,
        # The same plugin for ovos-PHAL's admin service (root), where a device runs it for the hotspot's ports
        # and NetworkManager's permissions: enabled under PHAL -> admin in mycroft.conf, ovos_PHAL then skips it.
        "opm.phal.admin": PLUGIN_ENTRY_POINT,
        "console_scripts": [f"ovos-wifi-setup={PACKAGE}.tools.cli:main"],
    },
    classifiers=[
        "License :: OSI Approved :: Apache Software License",
        "Programming Language :: Python :: 3",
    ],
    keywords="ovos openvoiceos plugin phal wifi setup",
)

"""The built-in on-screen method: a page on the device's screen over ovos-PHAL-plugin-network-manager."""

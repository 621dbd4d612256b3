<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Netzwerk einrichten</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Wähle aus, wie dieses Gerät verbunden werden soll</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Noch ist keine Einrichtungsmethode verfügbar</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Später verbinden</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Nie verbinden</translation>
    </message>
</context>
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Suche nach WLAN-Netzwerken…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbinde mit %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Mit %1 verbunden</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>WLAN-Netzwerk auswählen</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Gib das Passwort ein und tippe auf Verbinden</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Tippe auf ein Netzwerk, um dich zu verbinden</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Keine WLAN-Netzwerke gefunden. Tippe auf Neu suchen, um noch einmal zu suchen.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Gesichert</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Passwort (8 bis 63 Zeichen)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Zurück</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Neu suchen</translation>
    </message>
</context>
</TS>

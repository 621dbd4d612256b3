<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Netwerk instellen</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Kies hoe je dit apparaat wilt verbinden</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Er is nog geen instelmethode beschikbaar</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Later verbinden</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Nooit verbinden</translation>
    </message>
</context>
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Wifi-netwerken zoeken…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbinden met %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Verbonden met %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Kies een wifi-netwerk</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Typ het wachtwoord en tik op Verbinden</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Tik op een netwerk om ermee te verbinden</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Geen wifi-netwerken gevonden. Tik op Opnieuw zoeken om het nog eens te proberen.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Beveiligd</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Wachtwoord (8 tot 63 tekens)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Tonen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuleren</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Terug</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Opnieuw zoeken</translation>
    </message>
</context>
</TS>

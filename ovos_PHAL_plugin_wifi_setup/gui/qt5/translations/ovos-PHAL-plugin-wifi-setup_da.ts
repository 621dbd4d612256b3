<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="da">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Konfigurer netværket</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Vælg, hvordan denne enhed skal forbindes</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Der er endnu ingen opsætningsmetode tilgængelig</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Forbind senere</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Forbind aldrig</translation>
    </message>
</context>
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Søger efter Wi-Fi-netværk…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Forbinder til %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Forbundet til %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Vælg et Wi-Fi-netværk</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Skriv adgangskoden, og tryk på Forbind</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Tryk på et netværk for at forbinde til det</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Der blev ikke fundet nogen Wi-Fi-netværk. Tryk på Søg igen for at prøve igen.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Sikret</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Åbent</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Adgangskode (8 til 63 tegn)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Skjul</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Vis</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuller</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Forbind</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Tilbage</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Søg igen</translation>
    </message>
</context>
</TS>

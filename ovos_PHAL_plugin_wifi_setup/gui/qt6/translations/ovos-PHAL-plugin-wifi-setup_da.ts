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
</TS>

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
</TS>

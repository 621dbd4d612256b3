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
</TS>

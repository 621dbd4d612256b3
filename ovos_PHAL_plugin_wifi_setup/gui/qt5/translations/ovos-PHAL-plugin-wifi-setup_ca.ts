<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ca">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Configura la xarxa</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Tria com vols connectar aquest dispositiu</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Encara no hi ha cap mètode de configuració disponible</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Connecta més tard</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>No connectis mai</translation>
    </message>
</context>
</TS>

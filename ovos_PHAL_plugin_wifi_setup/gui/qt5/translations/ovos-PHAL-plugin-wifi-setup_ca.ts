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
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>S’estan cercant xarxes Wi-Fi…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>S’està connectant a %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Connectat a %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Tria una xarxa Wi-Fi</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Escriu la contrasenya i toca Connecta</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Toca una xarxa per connectar-t’hi</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>No s’ha trobat cap xarxa Wi-Fi. Toca Torna a cercar per provar-ho de nou.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Protegida</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Oberta</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Contrasenya (de 8 a 63 caràcters)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Amaga</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostra</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel·la</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connecta</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Enrere</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Torna a cercar</translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="it">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Configura la rete</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Scegli come collegare questo dispositivo</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Nessun metodo di configurazione è ancora disponibile</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Connetti più tardi</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Non connettere mai</translation>
    </message>
</context>
</TS>

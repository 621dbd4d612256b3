<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Configurar la red</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Elige cómo quieres conectar este dispositivo</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Todavía no hay ningún método de configuración disponible</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Conectar más tarde</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>No conectar nunca</translation>
    </message>
</context>
</TS>

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
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Buscando redes Wi-Fi…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Conectando a %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Conectado a %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Elige una red Wi-Fi</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Escribe la contraseña y toca Conectar</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Toca una red para conectarte a ella</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>No se encontró ninguna red Wi-Fi. Toca Volver a buscar para buscar de nuevo.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Protegida</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abierta</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Contraseña (de 8 a 63 caracteres)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Ocultar</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Conectar</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Atrás</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Volver a buscar</translation>
    </message>
</context>
</TS>

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Configurar a rede</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Escolha como deseja conectar este dispositivo</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Ainda não há nenhum método de configuração disponível</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Conectar mais tarde</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Nunca conectar</translation>
    </message>
</context>
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Procurando redes Wi-Fi…</translation>
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
        <translation>Escolha uma rede Wi-Fi</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Digite a senha e toque em Conectar</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Toque em uma rede para se conectar</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Nenhuma rede Wi-Fi encontrada. Toque em Procurar de novo para tentar outra vez.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Protegida</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Aberta</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Senha (8 a 63 caracteres)</translation>
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
        <translation>Voltar</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Procurar de novo</translation>
    </message>
</context>
</TS>

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
</TS>

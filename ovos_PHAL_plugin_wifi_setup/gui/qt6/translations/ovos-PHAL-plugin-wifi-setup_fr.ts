<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
<context>
    <name>ClientSelection</name>
    <message>
        <source>Set up the network</source>
        <translation>Configurer le réseau</translation>
    </message>
    <message>
        <source>Choose how you would like to connect this device</source>
        <translation>Choisissez comment connecter cet appareil</translation>
    </message>
    <message>
        <source>No setup method is available yet</source>
        <translation>Aucune méthode de configuration n’est encore disponible</translation>
    </message>
    <message>
        <source>Connect later</source>
        <translation>Se connecter plus tard</translation>
    </message>
    <message>
        <source>Never connect</source>
        <translation>Ne jamais se connecter</translation>
    </message>
</context>
</TS>

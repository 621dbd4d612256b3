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
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Recherche des réseaux Wi-Fi…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connexion à %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Connecté à %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Choisissez un réseau Wi-Fi</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Saisissez le mot de passe, puis touchez Se connecter</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Touchez un réseau pour vous y connecter</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Aucun réseau Wi-Fi trouvé. Touchez Rechercher pour chercher à nouveau.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Sécurisé</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Ouvert</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Mot de passe (8 à 63 caractères)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Masquer</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Rechercher</translation>
    </message>
</context>
</TS>

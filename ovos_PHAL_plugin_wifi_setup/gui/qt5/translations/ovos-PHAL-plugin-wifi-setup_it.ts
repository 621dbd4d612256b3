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
<context>
    <name>NetworkSetup</name>
    <message>
        <source>Looking for Wi-Fi networks…</source>
        <translation>Ricerca delle reti Wi-Fi…</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connessione a %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>Connesso a %1</translation>
    </message>
    <message>
        <source>Choose a Wi-Fi network</source>
        <translation>Scegli una rete Wi-Fi</translation>
    </message>
    <message>
        <source>Type the password, then tap Connect</source>
        <translation>Inserisci la password, poi tocca Connetti</translation>
    </message>
    <message>
        <source>Tap a network to join it</source>
        <translation>Tocca una rete per collegarti</translation>
    </message>
    <message>
        <source>No Wi-Fi networks found. Tap Rescan to look again.</source>
        <translation>Nessuna rete Wi-Fi trovata. Tocca Cerca di nuovo per riprovare.</translation>
    </message>
    <message>
        <source>Secured</source>
        <translation>Protetta</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Aperta</translation>
    </message>
    <message>
        <source>Password (8 to 63 characters)</source>
        <translation>Password (da 8 a 63 caratteri)</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>Nascondi</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostra</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annulla</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Connetti</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Indietro</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Cerca di nuovo</translation>
    </message>
</context>
</TS>

// The selection screen: one tile per registered network-setup client, plus the ways out
// ("Connect later", "Never connect"). Qt5 / ovos-shell.
import QtQuick 2.12
import QtQuick.Controls 2.12
import QtQuick.Layouts 1.12
import QtGraphicalEffects 1.12
import org.kde.kirigami 2.5 as Kirigami
import Mycroft 1.0 as Mycroft

Rectangle {
    id: selection
    objectName: "clientSelection"

    // Either a plain array of client records or, as the shell hands lists over, a list
    // model whose roles are the record's keys.
    property var clients: []
    // The plugin's texts in the device's language (key → text, from its locale/<lang>/gui.json).
    property var texts: ({})

    readonly property bool landscape: width >= height
    readonly property int clientCount: tileRepeater.count
    readonly property real spacing: Kirigami.Units.largeSpacing
    readonly property real margin: Kirigami.Units.largeSpacing * 2

    color: Kirigami.Theme.backgroundColor

    // The plugin's text for a key; the page's own English only while that text is missing.
    function say(key, english) {
        var value = selection.texts ? selection.texts[key] : undefined
        return typeof value === "string" && value !== "" ? value : english
    }

    function playClick() {
        Mycroft.SoundEffects.playClickedSound(Qt.resolvedUrl("sounds/clicked.wav"))
    }

    function iconFor(clientType) {
        if (clientType === "onDevice") {
            return Qt.resolvedUrl("icons/on-device.svg")
        }
        if (clientType === "Remote") {
            return Qt.resolvedUrl("icons/remote.svg")
        }
        // Unknown types are accepted by the plugin and shown with a neutral icon.
        return Qt.resolvedUrl("icons/generic.svg")
    }

    // Few tiles get one row (landscape) or one column (portrait); more are wrapped so
    // that six still fit on a 800x480 screen either way round.
    readonly property int columns: {
        var n = Math.max(1, selection.clientCount)
        if (selection.landscape) {
            return n === 4 ? 2 : Math.min(n, 3)
        }
        return n <= 3 ? 1 : 2
    }
    readonly property int rows: Math.max(1, Math.ceil(selection.clientCount / selection.columns))
    readonly property real tileWidth: Math.floor(Math.min(Kirigami.Units.gridUnit * 16,
        (tileArea.width - (selection.columns - 1) * selection.spacing) / selection.columns))
    readonly property real tileHeight: Math.floor(Math.min(Kirigami.Units.gridUnit * 10,
        (tileArea.height - (selection.rows - 1) * selection.spacing) / selection.rows))

    Item {
        id: header
        objectName: "header"
        anchors.top: parent.top
        anchors.left: parent.left
        anchors.right: parent.right
        height: headerRow.implicitHeight + selection.margin * 2

        RowLayout {
            id: headerRow
            anchors.fill: parent
            anchors.margins: selection.margin
            spacing: selection.spacing * 2

            Rectangle {
                Layout.alignment: Qt.AlignVCenter
                Layout.preferredWidth: Kirigami.Units.gridUnit * 3
                Layout.preferredHeight: Kirigami.Units.gridUnit * 3
                radius: width / 2
                color: Kirigami.Theme.highlightColor

                Kirigami.Icon {
                    anchors.fill: parent
                    anchors.margins: parent.width * 0.2
                    source: Qt.resolvedUrl("icons/network-setup.svg")
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignVCenter
                spacing: Kirigami.Units.smallSpacing

                Kirigami.Heading {
                    id: headerTitle
                    objectName: "headerTitle"
                    Layout.fillWidth: true
                    level: 1
                    wrapMode: Text.WordWrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                    text: selection.say("select_title", qsTr("Set up the network"))
                }

                Label {
                    id: headerSubtitle
                    objectName: "headerSubtitle"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    // The text colour itself: the disabled one is too faint on a light background.
                    color: Kirigami.Theme.textColor
                    font.pixelSize: Mycroft.Units.gridUnit
                    text: selection.say("select_subtitle", qsTr("Choose how you would like to connect this device"))
                }
            }
        }

        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            anchors.leftMargin: selection.margin
            anchors.rightMargin: selection.margin
        }
    }

    Item {
        id: tileArea
        objectName: "tileArea"
        anchors.top: header.bottom
        anchors.bottom: footer.top
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.margins: selection.margin

        Label {
            id: emptyLabel
            objectName: "emptyLabel"
            anchors.centerIn: parent
            width: parent.width
            visible: selection.clientCount === 0
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: Kirigami.Theme.textColor
            font.pixelSize: Mycroft.Units.gridUnit * 1.25
            text: selection.say("select_empty", qsTr("No setup method is available yet"))
        }

        Grid {
            id: tileGrid
            anchors.centerIn: parent
            columns: selection.columns
            spacing: selection.spacing

            Repeater {
                id: tileRepeater
                model: selection.clients

                delegate: Item {
                    id: tile
                    objectName: "clientTile"

                    // The shell turns a list into a model with one role per key; a plain
                    // array shows up as modelData instead.
                    function field(name) {
                        var direct = model[name]
                        if (direct !== undefined) {
                            return direct
                        }
                        var row = model.modelData
                        return row ? row[name] : undefined
                    }

                    readonly property string clientName: tile.field("client") || ""
                    readonly property string clientId: tile.field("id") || ""
                    readonly property string clientType: tile.field("type") || ""
                    readonly property string displayText: tile.field("display_text") || tile.clientName

                    width: selection.tileWidth
                    height: selection.tileHeight

                    DropShadow {
                        anchors.fill: card
                        source: card
                        // The software renderer cannot run shader effects; the flat card
                        // still reads well without its shadow there.
                        visible: GraphicsInfo.api !== GraphicsInfo.Software
                        horizontalOffset: 0
                        verticalOffset: 3
                        radius: 10
                        samples: 21
                        color: "#80000000"
                    }

                    Rectangle {
                        id: card
                        anchors.fill: parent
                        radius: Kirigami.Units.largeSpacing
                        color: tileMouse.pressed ? Qt.darker(Kirigami.Theme.alternateBackgroundColor, 1.2)
                                                 : Kirigami.Theme.alternateBackgroundColor
                        border.width: tileMouse.pressed ? 2 : 0
                        border.color: Kirigami.Theme.highlightColor

                        Rectangle {
                            id: iconCircle
                            objectName: "clientTileIcon"
                            readonly property string iconSource: selection.iconFor(tile.clientType)
                            anchors.top: parent.top
                            anchors.topMargin: selection.spacing * 1.5
                            anchors.horizontalCenter: parent.horizontalCenter
                            width: Math.min(Kirigami.Units.gridUnit * 4, tile.height * 0.42)
                            height: width
                            radius: width / 2
                            color: Kirigami.Theme.highlightColor

                            Kirigami.Icon {
                                anchors.fill: parent
                                anchors.margins: parent.width * 0.2
                                source: iconCircle.iconSource
                            }
                        }

                        Label {
                            id: tileLabel
                            objectName: "clientTileLabel"
                            anchors.top: iconCircle.bottom
                            anchors.bottom: parent.bottom
                            anchors.left: parent.left
                            anchors.right: parent.right
                            anchors.margins: selection.spacing
                            horizontalAlignment: Text.AlignHCenter
                            verticalAlignment: Text.AlignVCenter
                            wrapMode: Text.WordWrap
                            // Long client texts shrink to fit the tile instead of being cut.
                            fontSizeMode: Text.Fit
                            minimumPixelSize: 10
                            font.pixelSize: Mycroft.Units.gridUnit * 1.1
                            color: Kirigami.Theme.textColor
                            text: tile.displayText
                        }
                    }

                    MouseArea {
                        id: tileMouse
                        anchors.fill: parent
                        onClicked: {
                            selection.playClick()
                            Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.client.select",
                                                                  {"client": tile.clientName, "id": tile.clientId})
                        }
                    }
                }
            }
        }
    }

    Item {
        id: footer
        objectName: "footer"
        anchors.bottom: parent.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        height: footerRow.implicitHeight + selection.margin * 2

        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.leftMargin: selection.margin
            anchors.rightMargin: selection.margin
        }

        RowLayout {
            id: footerRow
            anchors.fill: parent
            anchors.margins: selection.margin
            spacing: selection.spacing * 2

            Button {
                id: connectLaterButton
                objectName: "connectLaterButton"
                text: selection.say("connect_later", qsTr("Connect later"))
                onClicked: {
                    selection.playClick()
                    Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.skip.setup", {})
                }

                Layout.fillWidth: true
                // Equal preferred widths make both buttons share the row evenly.
                Layout.preferredWidth: 1
                Layout.preferredHeight: Kirigami.Units.gridUnit * 2.5

                contentItem: Label {
                    objectName: "footerButtonLabel"
                    text: connectLaterButton.text
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                    fontSizeMode: Text.HorizontalFit
                    minimumPixelSize: 10
                    font.pixelSize: Mycroft.Units.gridUnit
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                }

                background: Rectangle {
                    radius: Kirigami.Units.largeSpacing
                    color: connectLaterButton.pressed ? Qt.darker(Kirigami.Theme.alternateBackgroundColor, 1.2)
                                                        : Kirigami.Theme.alternateBackgroundColor
                    border.width: 1
                    border.color: Kirigami.Theme.disabledTextColor
                }
            }

            Button {
                id: neverConnectButton
                objectName: "neverConnectButton"
                text: selection.say("never_connect", qsTr("Never connect"))
                onClicked: {
                    selection.playClick()
                    Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.fully.offline", {})
                }

                Layout.fillWidth: true
                // Equal preferred widths make both buttons share the row evenly.
                Layout.preferredWidth: 1
                Layout.preferredHeight: Kirigami.Units.gridUnit * 2.5

                contentItem: Label {
                    objectName: "footerButtonLabel"
                    text: neverConnectButton.text
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                    fontSizeMode: Text.HorizontalFit
                    minimumPixelSize: 10
                    font.pixelSize: Mycroft.Units.gridUnit
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                }

                background: Rectangle {
                    radius: Kirigami.Units.largeSpacing
                    color: neverConnectButton.pressed ? Qt.darker(Kirigami.Theme.alternateBackgroundColor, 1.2)
                                                        : Kirigami.Theme.alternateBackgroundColor
                    border.width: 1
                    border.color: Kirigami.Theme.disabledTextColor
                }
            }
        }
    }
}

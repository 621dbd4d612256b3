// The "connect from your phone" method on the device's own screen: the setup network's name and
// password (or the open network's code) as text and as a Wi-Fi QR code, and the setup page's
// address. Qt5 / ovos-shell.
//
// The hotspot method owns the flow; this page shows its session data and sends nothing. The QR
// code comes as its module matrix (one string of "0" and "1" per row) and is drawn here, dark on
// white with a quiet zone of four modules, each module a whole number of pixels so it stays sharp.
import QtQuick 2.12
import QtQuick.Controls 2.12
import QtQuick.Layouts 1.12
import org.kde.kirigami 2.5 as Kirigami
import Mycroft 1.0 as Mycroft

Rectangle {
    id: join
    objectName: "hotspotJoin"

    // The setup network's name, its password in groups for reading (empty for an open network),
    // the code the setup page asks for in groups (open network only), and the page's address.
    property string ssid: ""
    property var passphrase: []
    property var code: []
    property string url: ""
    // The QR code's rows, top first; each character one module ("1" dark).
    property var qr: []
    // The plugin's texts in the device's language (key → text, from its locale/<lang>/gui.json).
    property var texts: ({})

    readonly property bool landscape: width >= height
    readonly property real spacing: Kirigami.Units.largeSpacing
    readonly property real margin: Kirigami.Units.largeSpacing * 2
    readonly property int quietZone: 4
    readonly property int modules: join.qr ? join.qr.length : 0
    // The groups shown under the secret's label: the password's, else the code's.
    readonly property var secretGroups: join.passphrase && join.passphrase.length > 0 ? join.passphrase
                                        : (join.code && join.code.length > 0 ? join.code : [])
    readonly property string secretLabel: join.passphrase && join.passphrase.length > 0
                                          ? join.say("join_passphrase", qsTr("Password"))
                                          : (join.code && join.code.length > 0
                                             ? join.say("join_code", qsTr("Code to type on the setup page"))
                                             : join.say("join_open", qsTr("Open network: no password needed")))

    color: Kirigami.Theme.backgroundColor

    onQrChanged: qrCanvas.requestPaint()

    // The plugin's text for a key; the page's own English only while that text is missing.
    function say(key, english) {
        var value = join.texts ? join.texts[key] : undefined
        return typeof value === "string" && value !== "" ? value : english
    }

    Item {
        id: header
        objectName: "header"
        anchors.top: parent.top
        anchors.left: parent.left
        anchors.right: parent.right
        height: headerRow.implicitHeight + join.margin * 2

        RowLayout {
            id: headerRow
            anchors.fill: parent
            anchors.margins: join.margin
            spacing: join.spacing * 2

            Rectangle {
                Layout.alignment: Qt.AlignVCenter
                Layout.preferredWidth: Kirigami.Units.gridUnit * 3
                Layout.preferredHeight: Kirigami.Units.gridUnit * 3
                radius: width / 2
                color: Kirigami.Theme.highlightColor

                Kirigami.Icon {
                    anchors.fill: parent
                    anchors.margins: parent.width * 0.2
                    source: Qt.resolvedUrl("icons/remote.svg")
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignVCenter
                spacing: Kirigami.Units.smallSpacing

                Kirigami.Heading {
                    objectName: "headerTitle"
                    Layout.fillWidth: true
                    level: 1
                    wrapMode: Text.WordWrap
                    // A long word in a narrow portrait screen (German's "Einrichtungsnetzwerk") may need three.
                    maximumLineCount: 3
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                    text: join.say("join_title", qsTr("Join this device's setup network"))
                }

                Label {
                    objectName: "headerSubtitle"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    maximumLineCount: 3
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                    font.pixelSize: Mycroft.Units.gridUnit
                    text: join.say("join_hint", qsTr("Scan the code with your phone's camera, or join the network by hand."))
                }
            }
        }

        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            anchors.leftMargin: join.margin
            anchors.rightMargin: join.margin
        }
    }

    Item {
        id: contentArea
        objectName: "contentArea"
        anchors.top: header.bottom
        anchors.bottom: parent.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.margins: join.margin

        // Landscape: the code on the left, the words beside it; portrait: the code above them.
        readonly property real codeRoom: join.landscape ? Math.min(height, width * 0.45)
                                                        : Math.min(width, height * 0.5)
        // Whole pixels per module, so that no module is blurred across two.
        readonly property int modulePixels: join.modules > 0
                                            ? Math.max(1, Math.floor(codeRoom / (join.modules + 2 * join.quietZone)))
                                            : 0

        Rectangle {
            id: qrBox
            objectName: "joinQr"
            x: join.landscape ? 0 : Math.round((contentArea.width - width) / 2)
            y: join.landscape ? Math.round((contentArea.height - height) / 2) : 0
            width: contentArea.modulePixels * (join.modules + 2 * join.quietZone)
            height: width
            visible: join.modules > 0
            color: "#ffffff"

            Canvas {
                id: qrCanvas
                anchors.fill: parent
                onWidthChanged: qrCanvas.requestPaint()
                onPaint: {
                    var context = qrCanvas.getContext("2d")
                    context.reset()
                    context.fillStyle = "#ffffff"
                    context.fillRect(0, 0, qrCanvas.width, qrCanvas.height)
                    context.fillStyle = "#000000"
                    var size = contentArea.modulePixels
                    for (var row = 0; row < join.modules; row++) {
                        var line = String(join.qr[row])
                        for (var column = 0; column < line.length; column++) {
                            if (line.charAt(column) === "1") {
                                context.fillRect((column + join.quietZone) * size, (row + join.quietZone) * size,
                                                 size, size)
                            }
                        }
                    }
                }
            }
        }

        ColumnLayout {
            id: details
            objectName: "joinDetails"
            x: join.landscape && qrBox.visible ? qrBox.width + join.spacing * 2 : 0
            y: join.landscape || !qrBox.visible ? 0 : qrBox.height + join.spacing
            width: contentArea.width - x
            height: contentArea.height - y
            spacing: Kirigami.Units.smallSpacing

            Item {
                Layout.fillHeight: true
            }

            Label {
                objectName: "joinNetworkLabel"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit * 0.9
                text: join.say("join_network", qsTr("Network name"))
            }

            Label {
                objectName: "joinSsid"
                Layout.fillWidth: true
                wrapMode: Text.WrapAnywhere
                textFormat: Text.PlainText
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit * 1.4
                font.bold: true
                text: join.ssid
            }

            Label {
                objectName: "joinSecretLabel"
                Layout.fillWidth: true
                Layout.topMargin: join.spacing
                wrapMode: Text.WordWrap
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit * 0.9
                text: join.secretLabel
            }

            // The groups side by side, wrapped between groups only; the gaps are no characters.
            Flow {
                objectName: "joinSecret"
                Layout.fillWidth: true
                visible: join.secretGroups.length > 0
                spacing: join.spacing * 1.5

                Repeater {
                    model: join.secretGroups

                    Label {
                        objectName: "joinSecretGroup"
                        textFormat: Text.PlainText
                        color: Kirigami.Theme.textColor
                        font.pixelSize: Mycroft.Units.gridUnit * 1.6
                        font.bold: true
                        font.family: "monospace"
                        text: String(modelData)
                    }
                }
            }

            Label {
                objectName: "joinAddressLabel"
                Layout.fillWidth: true
                Layout.topMargin: join.spacing
                visible: join.url !== ""
                wrapMode: Text.WordWrap
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit * 0.9
                text: join.say("join_address", qsTr("If the setup page does not open by itself, go to"))
            }

            Label {
                objectName: "joinUrl"
                Layout.fillWidth: true
                visible: join.url !== ""
                wrapMode: Text.WrapAnywhere
                textFormat: Text.PlainText
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit * 1.2
                text: join.url
            }

            Item {
                Layout.fillHeight: true
            }
        }
    }
}

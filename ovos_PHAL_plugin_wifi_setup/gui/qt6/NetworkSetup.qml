// The on-screen Wi-Fi method: the networks network-manager found, a password step for a secured
// one, and how the connect goes. Qt6 / mycroft-gui.
//
// The screen client owns the flow; this page shows its session data (step, networks_model, texts,
// selected_ssid, error) and sends the user's choices as bus requests. The password step is the
// page's own: the password stays in the text field until Connect sends it, and is never written
// into the session data.
// Delegates reach the page's ids only when bound to their component.
pragma ComponentBehavior: Bound

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import Mycroft as Mycroft

Rectangle {
    id: setup
    objectName: "networkSetup"

    // Either a plain array of {ssid, security, secured, security_known} or, as the shell hands
    // lists over, a list model whose roles are those keys (security_known is false for a network
    // whose security the scan lost).
    property var networks: []
    // "scanning", "list", "connecting", "connected", "checking" (joined; the internet is being
    // checked) or "failed".
    property string step: ""
    // The network being connected, or the one tried last.
    property string selectedSsid: ""
    // Words for the user about what went wrong ("" when nothing did), in the device's language.
    property string error: ""
    // The plugin's texts in the device's language (key → text, from its locale/<lang>/gui.json);
    // "{ssid}" in a text stands for the network's name.
    property var texts: ({})

    // The password step: the network that asks for one ("" while the list shows), and whether it
    // may be left empty (the network's security is unknown: it may be open).
    property string passwordFor: ""
    property bool passwordOptional: false
    property bool passwordShown: false

    readonly property real spacing: Kirigami.Units.largeSpacing
    readonly property real margin: Kirigami.Units.largeSpacing * 2
    readonly property int networkCount: networkList.count
    // While a connect is under way or done, the list only shows; nothing can be picked.
    readonly property bool working: setup.step === "connecting" || setup.step === "connected"
                                    || setup.step === "checking"
    readonly property bool askingPassword: setup.passwordFor !== "" && !setup.working
    readonly property int minimumPassword: 8
    readonly property int maximumPassword: 63
    readonly property bool passwordAcceptable: passwordField.length >= setup.minimumPassword
                                               || (setup.passwordOptional && passwordField.length === 0)

    readonly property string statusText: {
        if (setup.step === "scanning") {
            return setup.say("networks_scanning", qsTr("Looking for Wi-Fi networks…"))
        }
        if (setup.step === "connecting") {
            return setup.naming(setup.say("connecting", qsTr("Connecting to {ssid}…")), setup.selectedSsid)
        }
        if (setup.step === "connected") {
            return setup.naming(setup.say("connected", qsTr("Connected to {ssid}")), setup.selectedSsid)
        }
        if (setup.step === "checking") {
            return setup.say("checking_internet", qsTr("Checking the internet connection…"))
        }
        return ""
    }

    color: Kirigami.Theme.backgroundColor

    // A connect that starts or ends elsewhere closes the password step, and forgets what was typed.
    onWorkingChanged: {
        if (setup.working) {
            setup.closePassword()
        }
    }

    // The plugin's text for a key; the page's own English only while that text is missing.
    function say(key, english) {
        const value = setup.texts ? setup.texts[key] : undefined
        return typeof value === "string" && value !== "" ? value : english
    }

    // A text with the network's name put in for "{ssid}" (the name itself is not searched again).
    function naming(template, ssid) {
        return template.split("{ssid}").join(ssid)
    }

    function playClick() {
        Mycroft.SoundEffects.playClickedSound(Qt.resolvedUrl("sounds/clicked.wav"))
    }

    function send(topic, data) {
        Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.screen." + topic, data)
    }

    // A tap on a network: an open one is joined at once, a secured one asks for its password (one
    // whose security is unknown too, where the password may stay empty).
    function pick(ssid, secured, optional) {
        if (setup.working || ssid === "") {
            return
        }
        setup.playClick()
        if (secured) {
            passwordField.clear()
            setup.passwordShown = false
            setup.passwordOptional = optional === true
            setup.passwordFor = ssid
            passwordField.forceActiveFocus()
            return
        }
        setup.closePassword()
        setup.send("connect", {"ssid": ssid})
    }

    function connectWithPassword() {
        if (!setup.askingPassword || !setup.passwordAcceptable) {
            return
        }
        setup.playClick()
        const request = {"ssid": setup.passwordFor, "password": passwordField.text}
        setup.closePassword()
        setup.send("connect", request)
    }

    // The field leaves the screen with its focus, which puts the on-screen keyboard away.
    function closePassword() {
        passwordField.clear()
        passwordField.focus = false
        setup.passwordShown = false
        setup.passwordOptional = false
        setup.passwordFor = ""
    }

    Item {
        id: header
        objectName: "header"
        anchors.top: parent.top
        anchors.left: parent.left
        anchors.right: parent.right
        height: headerRow.implicitHeight + setup.margin * 2

        RowLayout {
            id: headerRow
            anchors.fill: parent
            anchors.margins: setup.margin
            spacing: setup.spacing * 2

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
                    objectName: "headerTitle"
                    Layout.fillWidth: true
                    level: 1
                    wrapMode: Text.WordWrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                    text: setup.say("networks_title", qsTr("Choose a Wi-Fi network"))
                }

                Label {
                    objectName: "headerSubtitle"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    color: Kirigami.Theme.textColor
                    font.pixelSize: Mycroft.Units.gridUnit
                    text: setup.askingPassword ? setup.say("password_hint", qsTr("Type the password, then tap Connect"))
                                               : setup.say("networks_hint", qsTr("Tap a network to join it"))
                }
            }
        }

        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
            anchors.leftMargin: setup.margin
            anchors.rightMargin: setup.margin
        }
    }

    // What is going on and what went wrong, above the list.
    ColumnLayout {
        id: banners
        anchors.top: header.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.topMargin: banners.visibleChildren.length > 0 ? setup.spacing : 0
        anchors.leftMargin: setup.margin
        anchors.rightMargin: setup.margin
        spacing: setup.spacing

        Rectangle {
            id: statusBanner
            objectName: "statusBanner"
            Layout.fillWidth: true
            Layout.preferredHeight: statusRow.implicitHeight + setup.spacing * 2
            visible: setup.statusText !== ""
            radius: Kirigami.Units.largeSpacing
            color: Kirigami.Theme.alternateBackgroundColor

            RowLayout {
                id: statusRow
                anchors.fill: parent
                anchors.margins: setup.spacing
                spacing: setup.spacing * 1.5

                // A turning ring while the page waits; a tick once connected.
                Item {
                    Layout.preferredWidth: Kirigami.Units.gridUnit * 1.5
                    Layout.preferredHeight: Kirigami.Units.gridUnit * 1.5
                    Layout.alignment: Qt.AlignVCenter

                    Rectangle {
                        id: spinner
                        objectName: "busyIndicator"
                        anchors.fill: parent
                        visible: setup.step === "scanning" || setup.step === "connecting"
                                 || setup.step === "checking"
                        radius: width / 2
                        color: "transparent"
                        border.width: 3
                        border.color: Kirigami.Theme.disabledTextColor

                        Rectangle {
                            width: 7
                            height: 7
                            radius: 3.5
                            x: (spinner.width - width) / 2
                            y: -1
                            color: Kirigami.Theme.highlightColor
                        }

                        RotationAnimation on rotation {
                            from: 0
                            to: 360
                            duration: 1200
                            loops: Animation.Infinite
                            running: spinner.visible
                        }
                    }

                    Rectangle {
                        anchors.fill: parent
                        visible: setup.step === "connected"
                        radius: width / 2
                        color: Kirigami.Theme.highlightColor

                        Kirigami.Icon {
                            anchors.fill: parent
                            anchors.margins: parent.width * 0.15
                            source: Qt.resolvedUrl("icons/connected.svg")
                        }
                    }
                }

                Label {
                    objectName: "statusLabel"
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignVCenter
                    wrapMode: Text.Wrap
                    textFormat: Text.PlainText
                    color: Kirigami.Theme.textColor
                    font.pixelSize: Mycroft.Units.gridUnit * 1.1
                    text: setup.statusText
                }
            }
        }

        Rectangle {
            id: errorBanner
            objectName: "errorBanner"
            Layout.fillWidth: true
            Layout.preferredHeight: errorRow.implicitHeight + setup.spacing * 2
            visible: setup.error !== "" && !setup.working
            radius: Kirigami.Units.largeSpacing
            color: Kirigami.Theme.alternateBackgroundColor
            border.width: 2
            border.color: Kirigami.Theme.negativeTextColor

            RowLayout {
                id: errorRow
                anchors.fill: parent
                anchors.margins: setup.spacing
                spacing: setup.spacing * 1.5

                Rectangle {
                    Layout.preferredWidth: Kirigami.Units.gridUnit * 1.5
                    Layout.preferredHeight: Kirigami.Units.gridUnit * 1.5
                    Layout.alignment: Qt.AlignVCenter
                    radius: width / 2
                    color: Kirigami.Theme.negativeTextColor

                    Kirigami.Icon {
                        anchors.fill: parent
                        anchors.margins: parent.width * 0.15
                        source: Qt.resolvedUrl("icons/warning.svg")
                    }
                }

                Label {
                    objectName: "errorLabel"
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignVCenter
                    wrapMode: Text.Wrap
                    textFormat: Text.PlainText
                    color: Kirigami.Theme.textColor
                    font.pixelSize: Mycroft.Units.gridUnit * 1.1
                    font.bold: true
                    text: setup.error
                }
            }
        }
    }

    Item {
        id: contentArea
        objectName: "contentArea"
        anchors.top: banners.bottom
        anchors.bottom: footer.visible ? footer.top : parent.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.topMargin: setup.spacing
        anchors.leftMargin: setup.margin
        anchors.rightMargin: setup.margin
        anchors.bottomMargin: footer.visible ? 0 : setup.margin

        Label {
            objectName: "emptyNetworksLabel"
            anchors.centerIn: parent
            width: parent.width
            visible: setup.networkCount === 0 && !setup.askingPassword
                     && (setup.step === "list" || setup.step === "failed")
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: Kirigami.Theme.textColor
            font.pixelSize: Mycroft.Units.gridUnit * 1.25
            text: setup.say("networks_empty", qsTr("No Wi-Fi networks found. Tap Rescan to look again."))
        }

        ListView {
            id: networkList
            objectName: "networkList"
            anchors.fill: parent
            visible: !setup.askingPassword
            clip: true
            spacing: Kirigami.Units.smallSpacing * 1.5
            boundsBehavior: Flickable.StopAtBounds
            model: setup.networks
            // Room on the right for the scroll bar, so it never covers a row.
            readonly property real gutter: Kirigami.Units.smallSpacing * 4

            ScrollBar.vertical: ScrollBar {
                objectName: "networkScrollBar"
                // Shown for as long as the list is longer than the screen: it says there is more.
                policy: networkList.contentHeight > networkList.height ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
                minimumSize: 0.1

                contentItem: Rectangle {
                    implicitWidth: Kirigami.Units.smallSpacing * 1.5
                    radius: width / 2
                    color: Kirigami.Theme.disabledTextColor
                }
            }

            delegate: Item {
                id: row
                objectName: "networkRow"

                required property var model
                required property int index

                // The shell turns a list into a model with one role per key; a plain array
                // shows up as modelData instead.
                function field(name) {
                    const direct = row.model[name]
                    if (direct !== undefined) {
                        return direct
                    }
                    const record = row.model.modelData
                    return record ? record[name] : undefined
                }

                readonly property string ssid: row.field("ssid") || ""
                readonly property string security: row.field("security") || ""
                readonly property bool secured: row.field("secured") === true
                readonly property bool securityKnown: row.field("security_known") !== false
                // The network being connected or tried last is outlined.
                readonly property bool current: setup.selectedSsid !== "" && row.ssid === setup.selectedSsid

                width: networkList.width - networkList.gutter
                height: Math.max(Kirigami.Units.gridUnit * 2.75, rowLayout.implicitHeight + setup.spacing * 2)

                Rectangle {
                    anchors.fill: parent
                    radius: Kirigami.Units.largeSpacing
                    color: rowMouse.pressed ? Qt.darker(Kirigami.Theme.alternateBackgroundColor, 1.2)
                                            : Kirigami.Theme.alternateBackgroundColor
                    border.width: row.current ? 2 : 0
                    border.color: Kirigami.Theme.highlightColor

                    RowLayout {
                        id: rowLayout
                        anchors.fill: parent
                        anchors.leftMargin: setup.spacing * 2
                        anchors.rightMargin: setup.spacing * 2
                        spacing: setup.spacing * 1.5

                        Label {
                            objectName: "networkName"
                            Layout.fillWidth: true
                            Layout.alignment: Qt.AlignVCenter
                            wrapMode: Text.WrapAnywhere
                            maximumLineCount: 2
                            elide: Text.ElideRight
                            textFormat: Text.PlainText
                            color: Kirigami.Theme.textColor
                            font.pixelSize: Mycroft.Units.gridUnit * 1.1
                            text: row.ssid
                        }

                        Rectangle {
                            objectName: "lockIcon"
                            readonly property string iconSource: lockImage.source
                            Layout.preferredWidth: Kirigami.Units.gridUnit * 1.4
                            Layout.preferredHeight: Kirigami.Units.gridUnit * 1.4
                            Layout.alignment: Qt.AlignVCenter
                            visible: row.secured && row.securityKnown
                            radius: width / 2
                            color: Kirigami.Theme.highlightColor

                            Kirigami.Icon {
                                id: lockImage
                                anchors.fill: parent
                                anchors.margins: parent.width * 0.18
                                source: Qt.resolvedUrl("icons/lock.svg")
                            }
                        }

                        Label {
                            objectName: "networkSecurity"
                            Layout.alignment: Qt.AlignVCenter
                            textFormat: Text.PlainText
                            color: Kirigami.Theme.textColor
                            font.pixelSize: Mycroft.Units.gridUnit * 0.9
                            text: !row.securityKnown ? setup.say("security_unknown", qsTr("Security unknown"))
                                  : row.secured ? (row.security || setup.say("secured", qsTr("Secured")))
                                  : setup.say("open", qsTr("Open"))
                        }
                    }
                }

                MouseArea {
                    id: rowMouse
                    anchors.fill: parent
                    enabled: !setup.working
                    onClicked: setup.pick(row.ssid, row.secured, !row.securityKnown)
                }
            }
        }

        // The password step, at the top so the on-screen keyboard leaves it in view.
        ColumnLayout {
            id: passwordStep
            objectName: "passwordStep"
            anchors.top: parent.top
            anchors.left: parent.left
            anchors.right: parent.right
            visible: setup.askingPassword
            spacing: setup.spacing

            Kirigami.Heading {
                objectName: "passwordNetworkName"
                Layout.fillWidth: true
                level: 2
                wrapMode: Text.WrapAnywhere
                maximumLineCount: 2
                elide: Text.ElideRight
                textFormat: Text.PlainText
                color: Kirigami.Theme.textColor
                text: setup.passwordFor
            }

            Label {
                objectName: "passwordLabel"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                color: Kirigami.Theme.textColor
                font.pixelSize: Mycroft.Units.gridUnit
                text: setup.passwordOptional
                      ? setup.say("password_optional", qsTr("Password (leave it empty if the network has none)"))
                      : setup.say("password_placeholder", qsTr("Password (8 to 63 characters)"))
            }

            RowLayout {
                Layout.fillWidth: true
                spacing: setup.spacing

                TextField {
                    id: passwordField
                    objectName: "passwordField"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Kirigami.Units.gridUnit * 2.5
                    echoMode: setup.passwordShown ? TextInput.Normal : TextInput.Password
                    // The shell's on-screen keyboard: no suggestions, no capitals of its own, nothing learnt.
                    inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                    maximumLength: setup.maximumPassword
                    font.pixelSize: Mycroft.Units.gridUnit * 1.1
                    color: Kirigami.Theme.textColor
                    selectionColor: Kirigami.Theme.highlightColor
                    selectedTextColor: Kirigami.Theme.highlightedTextColor
                    verticalAlignment: TextInput.AlignVCenter
                    leftPadding: setup.spacing * 1.5
                    rightPadding: setup.spacing * 1.5
                    Accessible.name: setup.say("password_placeholder", qsTr("Password (8 to 63 characters)"))
                    onAccepted: setup.connectWithPassword()

                    cursorDelegate: Rectangle {
                        width: 2
                        color: Kirigami.Theme.textColor
                        visible: passwordField.cursorVisible
                    }

                    background: Rectangle {
                        radius: Kirigami.Units.largeSpacing
                        color: Kirigami.Theme.alternateBackgroundColor
                        border.width: passwordField.activeFocus ? 2 : 1
                        border.color: passwordField.activeFocus ? Kirigami.Theme.highlightColor
                                                                : Kirigami.Theme.disabledTextColor
                    }
                }

                PageButton {
                    id: showPasswordButton
                    objectName: "showPasswordButton"
                    Layout.fillWidth: false
                    Layout.preferredWidth: Kirigami.Units.gridUnit * 5
                    // Tapping it leaves the keyboard with the field.
                    focusPolicy: Qt.NoFocus
                    text: setup.passwordShown ? setup.say("hide", qsTr("Hide")) : setup.say("show", qsTr("Show"))
                    onClicked: setup.passwordShown = !setup.passwordShown
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.topMargin: setup.spacing
                spacing: setup.spacing * 2

                PageButton {
                    objectName: "cancelButton"
                    focusPolicy: Qt.NoFocus
                    text: setup.say("cancel", qsTr("Cancel"))
                    onClicked: {
                        setup.playClick()
                        setup.closePassword()
                    }
                }

                PageButton {
                    objectName: "connectButton"
                    primary: true
                    focusPolicy: Qt.NoFocus
                    enabled: setup.passwordAcceptable
                    text: setup.say("connect", qsTr("Connect"))
                    onClicked: setup.connectWithPassword()
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
        height: footerRow.implicitHeight + setup.margin * 2
        visible: !setup.askingPassword

        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.leftMargin: setup.margin
            anchors.rightMargin: setup.margin
        }

        RowLayout {
            id: footerRow
            anchors.fill: parent
            anchors.margins: setup.margin
            spacing: setup.spacing * 2

            PageButton {
                objectName: "backButton"
                text: setup.say("back", qsTr("Back"))
                onClicked: {
                    setup.playClick()
                    setup.send("back", {})
                }
            }

            PageButton {
                objectName: "rescanButton"
                visible: !setup.working
                text: setup.say("rescan", qsTr("Rescan"))
                onClicked: {
                    setup.playClick()
                    setup.send("scan", {})
                }
            }
        }
    }
}

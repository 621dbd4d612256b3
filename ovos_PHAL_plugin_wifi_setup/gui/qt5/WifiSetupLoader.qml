// The page the wifi-setup plugin and its built-in methods show: picks the screen named by page_type
// (ClientSelection, NetworkSetup or HotspotJoin) and tells the plugin when the GUI closes its
// selection page (Qt5 / ovos-shell).
import QtQuick 2.12
import Mycroft 1.0 as Mycroft

Mycroft.Delegate {
    id: loaderView

    // The plugin owns the flow; this page only mirrors what it was told to show.
    readonly property string pageType: loaderView.text("page_type")
    // Set once this page showed a method's page: closing that one is no answer to the selection.
    property bool showedMethodPage: false

    // The number of the selection page this loader shows, kept from its first value: when it goes, it says
    // which page went, so that a late notice from an earlier page does not close the one shown after it.
    property var shownSerial: undefined
    readonly property var pageSerial: loaderView.sessionData.page_serial
    onPageSerialChanged: {
        if (loaderView.shownSerial === undefined && loaderView.pageSerial !== undefined && loaderView.pageSerial !== null) {
            loaderView.shownSerial = loaderView.pageSerial
        }
    }

    onPageTypeChanged: {
        if (loaderView.isMethodPage(loaderView.pageType)) {
            loaderView.showedMethodPage = true
        }
    }

    // Every text the pages show, in the device's language, as the plugin sent it (key → text);
    // until it does, the pages show their own English.
    readonly property var texts: loaderView.sessionData.texts || ({})

    // A page of a method rather than the selection (a function: a binding may not have caught up
    // with page_type yet when onPageTypeChanged runs).
    function isMethodPage(pageType) {
        return pageType === "NetworkSetup" || pageType === "HotspotJoin"
    }

    // A text of the session data, "" until the plugin sent it.
    function text(key) {
        var value = loaderView.sessionData[key]
        return value !== undefined && value !== null ? String(value) : ""
    }

    leftPadding: 0
    rightPadding: 0
    topPadding: 0
    bottomPadding: 0

    Loader {
        id: pageLoader
        objectName: "pageLoader"
        anchors.fill: parent
        sourceComponent: loaderView.pageType === "ClientSelection" ? selectionComponent
                       : loaderView.pageType === "NetworkSetup" ? networkComponent
                       : loaderView.pageType === "HotspotJoin" ? joinComponent : null
    }

    Component {
        id: selectionComponent

        ClientSelection {
            clients: loaderView.sessionData.clients_model
            texts: loaderView.texts
        }
    }

    Component {
        id: networkComponent

        NetworkSetup {
            networks: loaderView.sessionData.networks_model || []
            step: loaderView.text("step")
            selectedSsid: loaderView.text("selected_ssid")
            error: loaderView.text("error")
            texts: loaderView.texts
        }
    }

    Component {
        id: joinComponent

        HotspotJoin {
            ssid: loaderView.text("join_ssid")
            passphrase: loaderView.sessionData.join_passphrase || []
            code: loaderView.sessionData.join_code || []
            url: loaderView.text("join_url")
            qr: loaderView.sessionData.join_qr || []
            texts: loaderView.texts
        }
    }

    Component.onCompleted: {
        if (loaderView.pageSerial !== undefined && loaderView.pageSerial !== null) {
            loaderView.shownSerial = loaderView.pageSerial
        }
        if (loaderView.isMethodPage(loaderView.pageType)) {
            loaderView.showedMethodPage = true
        }
    }

    // Closing the selection page (back gesture, another skill taking the screen) must not leave
    // the plugin waiting for a choice that will never come. A method's page (the network page of
    // the on-screen method, the hotspot's join page), shown under the method's own namespace, says
    // nothing when it goes: the plugin may be showing its selection page again by then.
    Component.onDestruction: {
        if (!loaderView.showedMethodPage) {
            Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.client.select.page.removed",
                                                  loaderView.shownSerial !== undefined
                                                  ? {"page_serial": loaderView.shownSerial} : {})
        }
    }
}

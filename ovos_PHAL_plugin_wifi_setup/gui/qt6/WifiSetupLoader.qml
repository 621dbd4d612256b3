// The page the wifi-setup plugin shows: picks the screen named by page_type and tells
// the plugin when the GUI closes it (Qt6 / mycroft-gui).
// Delegates reach the page's ids only when bound to their component.
pragma ComponentBehavior: Bound

import QtQuick
import Mycroft as Mycroft

Mycroft.Delegate {
    id: loaderView

    // The plugin owns the flow; this page only mirrors what it was told to show.
    readonly property string pageType: loaderView.sessionData.page_type !== undefined ? loaderView.sessionData.page_type : ""

    leftPadding: 0
    rightPadding: 0
    topPadding: 0
    bottomPadding: 0

    Loader {
        id: pageLoader
        objectName: "pageLoader"
        anchors.fill: parent
        sourceComponent: loaderView.pageType === "ClientSelection" ? selectionComponent : null
    }

    Component {
        id: selectionComponent

        ClientSelection {
            clients: loaderView.sessionData.clients_model
        }
    }

    // Closing the page (back gesture, another skill taking the screen) must not leave the
    // plugin waiting for a choice that will never come.
    Component.onDestruction: Mycroft.MycroftController.sendRequest("ovos.phal.wifi.plugin.client.select.page.removed", {})
}

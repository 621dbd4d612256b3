// Stand-in for Mycroft.Delegate: session data plus paddings around the page's content.
import QtQuick 2.12

Item {
    id: delegate

    // The shell sets this before the page completes; the harness does the same.
    property var sessionData
    property int leftPadding: 0
    property int rightPadding: 0
    property int topPadding: 0
    property int bottomPadding: 0

    default property alias contentData: contentArea.data

    Item {
        id: contentArea
        anchors.fill: parent
        anchors.leftMargin: delegate.leftPadding
        anchors.rightMargin: delegate.rightPadding
        anchors.topMargin: delegate.topPadding
        anchors.bottomMargin: delegate.bottomPadding
    }
}

// Stand-in for Kirigami.Icon: shows an image file scaled into the item.
import QtQuick 2.12

Item {
    id: icon

    property var source

    Image {
        objectName: "iconImage"
        anchors.fill: parent
        source: icon.source
        sourceSize.width: Math.max(1, icon.width * 2)
        sourceSize.height: Math.max(1, icon.height * 2)
        fillMode: Image.PreserveAspectFit
        smooth: true
    }
}

// Stand-in for Kirigami.Separator: a one-pixel line in a muted text colour.
import QtQuick 2.12

Rectangle {
    implicitHeight: 1
    implicitWidth: 1
    height: 1
    color: Qt.rgba(0.65, 0.68, 0.7, 0.35)
}

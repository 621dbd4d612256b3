// Stand-in for Kirigami.Heading: a label whose size follows its level.
import QtQuick 2.12
import QtQuick.Controls 2.12

Label {
    property int level: 1

    font.pixelSize: level <= 1 ? 26 : (level === 2 ? 22 : 18)
    font.bold: level <= 2
}

// Stand-in for Kirigami.Units: Kirigami's defaults for an 18 px grid.
pragma Singleton
import QtQuick 2.12

QtObject {
    property int gridUnit: 18
    property int smallSpacing: 4
    property int largeSpacing: 8
}

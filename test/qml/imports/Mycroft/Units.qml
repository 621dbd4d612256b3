// Stand-in for Mycroft.Units: the sizes mycroft-gui derives from its font.
pragma Singleton
import QtQuick 2.12

QtObject {
    property int gridUnit: 16
}

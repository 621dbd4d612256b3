// Stand-in for Kirigami.Theme: a dark palette close to ovos-shell's. The harness may set every
// member to another scheme (Kirigami's default light one) before a page loads.
pragma Singleton
import QtQuick 2.12

QtObject {
    property color textColor: "#f5f5f5"
    property color disabledTextColor: "#a7adb3"
    property color highlightedTextColor: "#ffffff"
    property color negativeTextColor: "#da4453"
    property color backgroundColor: "#1d1f21"
    property color alternateBackgroundColor: "#2c3034"
    property color highlightColor: "#c8352f"
}

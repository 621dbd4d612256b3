// A button of the network page: its text in the theme's text colour on a card of the theme's
// alternate background, so it reads the same in a light and a dark scheme (Qt6 / mycroft-gui).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import Mycroft as Mycroft

Button {
    id: pageButton

    // The step's main action gets a highlighted border.
    property bool primary: false

    Layout.fillWidth: true
    // Equal preferred widths make the buttons of a row share it evenly.
    Layout.preferredWidth: 1
    Layout.preferredHeight: Kirigami.Units.gridUnit * 2.5

    contentItem: Label {
        objectName: "buttonLabel"
        text: pageButton.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        fontSizeMode: Text.HorizontalFit
        minimumPixelSize: 10
        font.pixelSize: Mycroft.Units.gridUnit
        font.bold: pageButton.primary
        elide: Text.ElideRight
        // A disabled button keeps readable text; only its card changes.
        color: Kirigami.Theme.textColor
    }

    background: Rectangle {
        radius: Kirigami.Units.largeSpacing
        color: !pageButton.enabled ? Kirigami.Theme.backgroundColor
                                   : (pageButton.pressed ? Qt.darker(Kirigami.Theme.alternateBackgroundColor, 1.2)
                                                         : Kirigami.Theme.alternateBackgroundColor)
        border.width: pageButton.primary && pageButton.enabled ? 2 : 1
        border.color: pageButton.primary && pageButton.enabled ? Kirigami.Theme.highlightColor
                                                               : Kirigami.Theme.disabledTextColor
    }
}

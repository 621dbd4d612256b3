// Stand-in for Mycroft.MycroftController: records every request a page sends.
pragma Singleton
import QtQuick 2.12

QtObject {
    // A JSON list of {type, data}: a string crosses into PyQt5 and PySide6 alike.
    property string journal: "[]"

    function sendRequest(type, data) {
        var sent = JSON.parse(journal)
        sent.push({"type": type, "data": data})
        journal = JSON.stringify(sent)
    }
}

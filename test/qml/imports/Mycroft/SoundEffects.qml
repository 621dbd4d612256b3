// Stand-in for Mycroft.SoundEffects: remembers which sounds a page asked to play.
pragma Singleton
import QtQuick 2.12

QtObject {
    property string journal: "[]"

    function playClickedSound(url) {
        var played = JSON.parse(journal)
        played.push(String(url))
        journal = JSON.stringify(played)
    }
}

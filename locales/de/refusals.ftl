# Ablehnungen, wie ein Absender sie liest: refusal-<Code> (mit - statt . und _), die
# Felder der Ablehnung als Argumente. Englisch ist der Satz im Code (#[error]); was hier
# fehlt, wird auf Englisch gesagt.
refusal-link-closed = Dieser Upload-Link wurde zurückgezogen oder ist abgelaufen; darüber kann nichts mehr gesendet werden.
refusal-link-does-not-fit = { $path } passt nicht mehr: Dieser Upload-Link nimmt insgesamt höchstens { $limit } und hat noch { $left } frei; es wurde nichts gesendet.
refusal-link-wrong-pin = Diese PIN stimmt nicht. Sehen Sie in der Nachricht nach, mit der der Link kam, und versuchen Sie es noch einmal.
refusal-link-uploader-unknown = Sagen Sie uns zuerst, wer Sie sind: Laden Sie die Seite neu und geben Sie Ihren Namen und Ihre E-Mail-Adresse ein.
refusal-link-full-files = Dieser Upload-Link nimmt höchstens { $max_files } Dateien und hat sie alle erhalten.
refusal-link-full-bytes = Dieser Upload-Link nimmt insgesamt höchstens { $limit } und hat so viel erhalten.
refusal-upload-project-inactive = Dieses Projekt ist nicht aktiv und nimmt keine Uploads an.
refusal-upload-cycle-closed = { $cycle } ist { $status ->
    [completed] abgeschlossen
    [incomplete] unvollständig geschlossen
   *[other] geschlossen
} und nimmt keine Uploads mehr an.
refusal-upload-batch-finished = Dieser Stapel ist abgeschlossen; beginnen Sie einen neuen.
refusal-upload-too-large = { $path } ist größer als die Grenze von { SIZE($limit) }.
refusal-upload-nothing-chosen = Es wurde keine Datei gewählt: Wählen Sie Dateien oder einen Ordner und laden Sie sie dann hoch.
refusal-upload-sha256-malformed = { $path }: sha256 besteht aus 64 Hexadezimalziffern.
refusal-tus-offset-moved = Der Upload ist inzwischen weitergegangen; setzen Sie ihn an seiner Stelle fort.
refusal-tus-taken-over = Eine andere Anfrage hat diesen Upload übernommen; setzen Sie ihn an seiner Stelle fort.
refusal-tus-receiving = Dieser Upload empfängt gerade Daten; beenden Sie zuerst diese Anfrage.
refusal-tus-claimed = Eine andere Anfrage sendet gerade die Daten dieses Uploads.
refusal-link-collection-closed = Diese Sammlung ist geschlossen: Hier kann nichts mehr gesendet werden.
refusal-kind-project-takes-only = hier werden nur Dateien dieser Typen angenommen: { $allowed }
refusal-kind-request-takes-only = „{ $request }“ nimmt nur Dateien dieser Typen an: { $allowed }
refusal-kind-program-named-otherwise = der Name endet auf .{ $ext }, die Datei ist aber ein Programm; Programme werden nicht angenommen
refusal-kind-program = die Datei ist ein Programm; Programme werden nicht angenommen
refusal-kind-not-what-its-name-says = der Name endet auf .{ $ext }, die Datei ist aber { $actual ->
    [pdf] ein PDF-Dokument
    [png] ein PNG-Bild
    [jpeg] ein JPEG-Bild
    [gif] ein GIF-Bild
    [tiff] ein TIFF-Bild
    [webp] ein WebP-Bild
    [zip] ein ZIP-Archiv
    [gzip] ein gzip-Archiv
    [text] reiner Text
    [office] ein Office-Dokument
    [opendocument] eine OpenDocument-Datei
    [sound] eine Audiodatei
    [video] ein Video
   *[other] vom Typ { $actual }
}; benennen Sie sie um oder senden Sie die richtige Datei
refusal-kind-not-of-its-type = der Name endet auf .{ $ext }, die Datei ist aber keine (sie ist vielleicht beschädigt oder umbenannt)
refusal-scan-virus-found = ein Virus wurde gefunden ({ $signature })
refusal-scan-too-large = die Datei ist größer, als der Virenscanner prüft ({ $limit } Bytes), und ungeprüfte Dateien werden nicht angenommen
refusal-answer-empty = Geben Sie zuerst eine Antwort ein.
refusal-answer-too-long = Eine Antwort hat höchstens { $max } Zeichen.
refusal-answer-not-a-number = „{ $value }“ ist keine Zahl; geben Sie Ziffern ein, mit Punkt oder Komma für Dezimalstellen.
refusal-answer-not-a-date = „{ $value }“ ist kein Datum; geben Sie es als JJJJ-MM-TT an.
refusal-answer-not-yes-or-no = Antworten Sie mit Ja oder Nein.
refusal-answer-not-a-choice = Wählen Sie eine der Möglichkeiten: { $choices }.
refusal-answer-not-a-question = Diese Anforderung verlangt eine Datei, keine Antwort.

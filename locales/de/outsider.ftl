# Was jemand liest, der Dokumente über einen Upload-Link sendet. Jeder Schlüssel steht in
# jeder Sprache.

## Die Startseite: wer sendet
link-title = Dokumente an { $company } senden
link-no-account = Sie brauchen kein Konto. Sagen Sie uns, wer Sie sind; { $company } sieht Ihren Namen und Ihre E-Mail-Adresse bei jeder Datei, die Sie senden. Dieser Link gilt bis { $until }.
field-your-name = Ihr Name
field-your-email = Ihre E-Mail-Adresse
field-name-invalid = Geben Sie Ihren Namen ein (höchstens 100 Zeichen).
field-email-invalid = Geben Sie Ihre E-Mail-Adresse ein, etwa name@example.com.
field-pin = PIN
field-pin-hint = Die PIN kam getrennt vom Link.
field-pin-missing = Geben Sie die PIN ein, die mit dem Link kam.
link-continue = Weiter

## Die Seite des Links
link-sending-as = Sie senden als
link-due = Fällig
link-room-label = Dieser Link nimmt noch
link-room = { $files } weitere Dateien, insgesamt { $bytes }
link-works-until = Gültig bis
attention-heading = { $count ->
    [one] 1 Punkt braucht Ihre Aufmerksamkeit
   *[other] { $count } Punkte brauchen Ihre Aufmerksamkeit
}
attention-new-file-please = bitte senden Sie eine neue Datei
send-many-files = Dateien senden
send-many-several = Mehrere Dateien auf einmal
send-many-dedupe = Eine Datei, die schon angekommen ist, wird nicht zweimal gespeichert.
figures-summary = { $received } von { $expected }
figures-required = erforderlichen erhalten, { $accepted } angenommen
figures-rejected = , { $rejected } brauchen eine neue Datei
figures-overdue = { $overdue } überfällig
figures-progress = { $percent } % der erforderlichen Dokumente angenommen
figures-none = Keine Liste angeforderter Dokumente

## Die Karten der angeforderten Dokumente
requests-heading = Angeforderte Dokumente
requests-hint-below = Senden Sie eine Datei für einen Punkt mit seiner eigenen Schaltfläche, oder unten mehrere Dateien auf einmal: Dateien, deren Namen zu einem Punkt passen, werden ihm zugeordnet; die übrigen werden als weitere Dateien aufbewahrt.
requests-hint-above = Senden Sie eine Datei für einen Punkt mit seiner eigenen Schaltfläche, oder oben mehrere Dateien auf einmal: Dateien, deren Namen zu einem Punkt passen, werden ihm zugeordnet; die übrigen werden als weitere Dateien aufbewahrt.
request-optional = (freiwillig)
request-overdue = überfällig
request-rejection = Warum eine neue Datei nötig ist: „{ $note }“
request-takes = Nimmt
request-takes-any = jede Art von Datei
request-takes-only = nur { $types }-Dateien
request-due = Fällig
request-no-due = kein Fälligkeitsdatum
request-sent-for = Gesendet für { $name }
request-file-sent = { $size }, gesendet
request-file-for = Datei für { $name }
request-status-missing = Fehlt
request-status-submitted = Eingereicht
request-status-accepted = Angenommen
request-status-rejected = Braucht eine neue Datei
request-status-not_applicable = Entfällt
button-send-new-file = Neue Datei senden
button-upload = Hochladen
button-send-another = Weitere Datei senden
request-asks = Fragt nach
request-kind-text = einer schriftlichen Antwort
request-kind-number = einer Zahl
request-kind-date = einem Datum
request-kind-yes_no = Ja oder Nein
request-kind-choice = einer der Möglichkeiten
request-your-answer = Ihre Antwort
request-answer-for = Antwort für { $name }
request-answered = beantwortet
request-answer-rejection = Warum eine neue Antwort nötig ist: „{ $note }“
request-status-rejected-question = Braucht eine neue Antwort
answer-yes = Ja
answer-no = Nein
answer-choose = Bitte wählen…
answer-number-hint = Ziffern, mit Punkt oder Komma für Dezimalstellen.
button-answer = Antwort speichern
button-answer-again = Antwort ändern
answer-saved = Ihre Antwort auf „{ $name }“ ist gespeichert.

## Das Formular für mehrere Dateien
unfinished-heading = Unvollendete Uploads
unfinished-hint = Wählen Sie dieselben Dateien noch einmal und senden Sie sie: Jede macht dort weiter, wo sie stehen geblieben ist.
accepted-any = Hier wird jede Art von Datei angenommen; ein Punkt unten kann bestimmte Arten verlangen.
accepted-only = Angenommen: { $types }
dropzone-files = Dateien
dropzone-files-hint = Wählen Sie Dateien, oder legen Sie sie hier ab.
pick-files = Dateien wählen
dropzone-folder = Ein ganzer Ordner
dropzone-folder-hint = Wählen Sie einen Ordner oder legen Sie ihn ab; seine Unterordner bleiben in den Dateinamen erhalten.
pick-folder = Ordner wählen
chosen-heading = Gewählte Dateien
upload-progress = Fortschritt des Uploads

## Die Quittung
receipt-title = Quittung
receipt-heading = Quittung: { $headline }
receipt-files = { $count ->
    [one] 1 Datei
   *[other] { $count } Dateien
}
receipt-received = { $files } erhalten
receipt-already = { $files } schon vorhanden
receipt-not-accepted = { $files } nicht angenommen
receipt-sent-by = Gesendet von { $who }
receipt-none = Es wurden keine Dateien gesendet.
receipt-file-received = Erhalten
receipt-file-empty = Erhalten, aber die Datei ist leer (0 Bytes)
receipt-file-skipped = Schon vorhanden: Diese Datei ist früher angekommen und wird nicht zweimal gespeichert
receipt-file-scanning = Wird auf Viren geprüft: Gleich steht hier, ob sie erhalten wurde
receipt-file-checking = Wird geprüft: Gleich steht hier, ob sie erhalten wurde oder fehlgeschlagen ist
receipt-file-not-accepted = Nicht angenommen: { $why }
receipt-file-failed = Fehlgeschlagen: { $why }
receipt-file-unknown = Grund unbekannt
receipt-for = für „{ $request }“
receipt-details = Einzelheiten
receipt-fingerprint = SHA-256-Prüfsumme:
receipt-email-me = Diese Quittung per E-Mail senden
receipt-emailed = Die Quittung ist unterwegs an { $to }.
receipt-email-already = Die Quittung wurde bereits an { $to } gesendet.

## Links, die nichts öffnen, und Fehlerseiten
link-unknown = Diesen Upload-Link gibt es nicht. Prüfen Sie die Adresse, oder bitten Sie den Absender um einen neuen.
link-does-not-work = Dieser Upload-Link funktioniert nicht
link-revoked = { $company } hat diesen Upload-Link zurückgezogen. Bitten Sie um einen neuen, wenn Sie noch Dokumente senden möchten.
link-expired = Dieser Upload-Link ist am { $at } abgelaufen. Bitten Sie { $company } um einen neuen.
link-company-inactive = Dieser Upload-Link funktioniert nicht mehr: Sein Unternehmen ist bei Hopper nicht mehr aktiv.
link-project-removed = Dieser Upload-Link funktioniert nicht mehr: Sein Projekt wurde entfernt.
error-help = Wenn Sie Hilfe brauchen, fragen Sie die Person, die Ihnen den Link geschickt hat.
error-not-found = Nicht gefunden
error-not-allowed = Nicht erlaubt
error-bad-request = Ungültige Anfrage
error-not-possible = Gerade nicht möglich
error-too-large = Zu groß
error-not-accepted = Nicht angenommen
error-check-form = Bitte prüfen Sie das Formular
error-too-many = Zu viele Versuche
error-busy = Ausgelastet
error-went-wrong = Etwas ist schiefgegangen
error-page-missing = Die angefragte Seite gibt es nicht.
error-fields = Einige Felder brauchen Ihre Aufmerksamkeit.
error-unexpected = Bei uns ist etwas schiefgegangen. Es wurde protokolliert; bitte versuchen Sie es noch einmal.
error-too-many-wait = Zu viele Versuche. Bitte warten Sie { $seconds } Sekunden und versuchen Sie es dann noch einmal.

## Wo eine erhaltene Datei steht (die Quittung)
standing-superseded = ersetzt durch { $newer }
standing-awaiting = wartet auf Prüfung
standing-accepted = angenommen
standing-rejected-because = abgelehnt: „{ $note }“
standing-rejected = abgelehnt

## Der Dank, wenn alles Erforderliche da ist
thanks-heading = Vielen Dank: Alles Erforderliche ist angekommen
thanks-complete-since = Vollständig seit { $at }.
thanks-closed = Diese Sammlung ist geschlossen: Es kann nichts mehr gesendet werden.
thanks-optional-open = Sie können weiterhin die optionalen Punkte unten senden oder eine neue Datei für einen noch nicht angenommenen Punkt.
thanks-new-file = Sie können weiterhin eine neue Datei für einen noch nicht angenommenen Punkt senden.
thanks-accepted = angenommen
thanks-accepted-at = angenommen am { $at }
thanks-waiting = erhalten, wartet auf Prüfung
thanks-file-at = erhalten am { $at }
thanks-also = Außerdem erhalten:
thanks-still-welcome = Gern auch noch, falls vorhanden:

## Warum ein mit dem Formular gesendeter Stapel vor seinem Ende anhielt (erste Zeile der Quittung).
stop-too-many-files = Ein Stapel fasst höchstens { $max } Dateien; die Dateien danach wurden nicht angenommen.
stop-file-too-large = { $path } ist größer als die Grenze von { $limit }; die Datei wurde nicht gespeichert, und der Stapel hielt dort an.
stop-idle = Der Browser hat { $seconds } s lang nichts gesendet, darum wurde der Upload angehalten.
stop-too-slow = Der Upload kam langsamer als { $rate }/s an, darum wurde er angehalten; vollständig angekommene Dateien bleiben erhalten.
stop-deadline = Der Upload dauerte länger als { $minutes } Minuten, darum wurde er angehalten; vollständig angekommene Dateien bleiben erhalten. Senden Sie den Rest in einem neuen Stapel.
stop-busy = Hopper ist gerade mit anderen Uploads beschäftigt; vollständig angekommene Dateien bleiben erhalten. Bitte senden Sie den Rest in einer Minute noch einmal.
stop-interrupted = Der Upload wurde unterbrochen: { $why }
stop-unreadable = Der Upload konnte nicht gelesen werden: { $why }
stop-link-full = { $why } Die Dateien danach wurden nicht angenommen.

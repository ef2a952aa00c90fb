# E-Mails an Menschen ohne Konto (die über einen Upload-Link gesendet haben).
email-rejected-subject = { $project } { $cycle }: „{ $request }“ braucht eine neue Datei
email-rejected-body = Guten Tag { $name },
    
    die Datei für „{ $request }“ in { $project } { $cycle } wurde nicht angenommen:
    
    {"    "}{ $reason }
    
    Bitte senden Sie eine neue Datei über den Upload-Link, den Sie erhalten haben.
    
    — Hopper
email-rejected-answer-subject = { $project } { $cycle }: „{ $request }“ braucht eine neue Antwort
email-rejected-answer-body = Guten Tag { $name },
    
    die Antwort auf „{ $request }“ in { $project } { $cycle } wurde nicht angenommen:
    
    {"    "}{ $reason }
    
    Bitte antworten Sie erneut über den Upload-Link, den Sie erhalten haben.
    
    — Hopper

# Die Quittung, die sich ein Sender über einen Upload-Link mailen lässt.
email-receipt-subject = Ihre Quittung von { $project }
email-receipt-greeting = Guten Tag { $name },
    
    dies ist die Quittung über die Dateien, die Sie an { $project } gesendet haben.
email-receipt-closing = Bewahren Sie diese Nachricht als Nachweis auf, was angekommen ist.

## Ein Upload-Link, den ein Admin an die Person schickt, die ihn nutzen soll (nie mit PIN)
email-invitation-subject = { $company }: Bitte senden Sie Ihre Unterlagen
email-invitation-hello = Guten Tag,
email-invitation-asks = { $from } von { $company } bittet Sie, Unterlagen für „{ $label }“ zu senden.
email-invitation-send-through = Senden Sie sie über diese Seite (sie gilt bis { $expires }; ein Konto ist nicht nötig):
email-invitation-pin = Die Seite fragt nach einer PIN. { $from } gibt sie Ihnen getrennt, per Telefon oder SMS; sie wird nie per E-Mail gesendet.
email-invitation-signature = — Hopper, für { $company }

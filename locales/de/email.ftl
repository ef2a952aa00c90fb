# E-Mails an Menschen ohne Konto (die über einen Upload-Link gesendet haben).
email-rejected-subject = { $project } { $cycle }: „{ $request }“ braucht eine neue Datei
email-rejected-body = Guten Tag { $name },
    
    die Datei für „{ $request }“ in { $project } { $cycle } wurde nicht angenommen:
    
    {"    "}{ $reason }
    
    Bitte senden Sie eine neue Datei über den Upload-Link, den Sie erhalten haben.
    
    — Hopper

# What a sender through an upload link reads: the link's pages, their receipt and the
# error pages shown to them. Also the request cards and the form for many files, which
# members' upload page shares (in English). Keep every key in every language.

## The start page: who is sending
link-title = Send documents to { $company }
link-no-account = You need no account. Tell us who you are; { $company } sees your name and email with every file you send. This link works until { $until }.
field-your-name = Your name
field-your-email = Your email
field-name-invalid = Enter your name (at most 100 characters).
field-email-invalid = Enter your email address, like name@example.com.
field-pin = PIN
field-pin-hint = The PIN came with the link, separately.
field-pin-missing = Enter the PIN that came with the link.
link-continue = Continue

## The link's page
link-sending-as = Sending as
link-due = Due
link-room-label = This link takes
link-room = { $files } more files, { $bytes } more in all
link-works-until = Works until
attention-heading = { $count ->
    [one] 1 item needs your attention
   *[other] { $count } items need your attention
}
attention-new-file-please = please send a new file
send-many-files = Send files
send-many-several = Several files at once
send-many-dedupe = A file that already arrived is not stored twice.
figures-summary = { $received } of { $expected }
figures-required = required received, { $accepted } accepted
figures-rejected = , { $rejected } need a new file
figures-overdue = { $overdue } overdue
figures-progress = { $percent }% of the required documents accepted
figures-none = No request list

## The request cards
requests-heading = Documents requested
requests-hint-below = Send a file for one item with its own button, or several files at once below: files whose names match an item are filed under it; the rest are kept as other files.
requests-hint-above = Send a file for one item with its own button, or several files at once above: files whose names match an item are filed under it; the rest are kept as other files.
request-optional = (optional)
request-overdue = overdue
request-rejection = Why a new file is needed: “{ $note }”
request-takes = Takes
request-takes-any = any kind of file
request-takes-only = { $types } files only
request-due = Due
request-no-due = no due date
request-sent-for = Sent for { $name }
request-file-sent = { $size }, sent
request-file-for = File for { $name }
request-status-missing = Missing
request-status-submitted = Submitted
request-status-accepted = Accepted
request-status-rejected = Needs a new file
request-status-not_applicable = Not applicable
button-send-new-file = Send a new file
button-upload = Upload
button-send-another = Send another file
request-asks = Asks for
request-kind-text = a written answer
request-kind-number = a number
request-kind-date = a date
request-kind-yes_no = yes or no
request-kind-choice = one of the choices
request-your-answer = Your answer
request-answer-for = Answer for { $name }
request-answered = answered
request-answer-rejection = Why a new answer is needed: “{ $note }”
request-status-rejected-question = Needs a new answer
answer-yes = Yes
answer-no = No
answer-choose = Choose…
answer-number-hint = Digits, with a point or a comma for decimals.
button-answer = Save answer
button-answer-again = Change answer
answer-saved = Your answer to “{ $name }” is saved.

## The form for many files
unfinished-heading = Unfinished uploads
unfinished-hint = Choose the same files again and send them: each continues from where it stopped.
accepted-any = Any kind of file is accepted here; an item below may ask for particular types.
accepted-only = Accepted: { $types }
dropzone-files = Files
dropzone-files-hint = Choose files, or drop them here.
pick-files = Choose files
dropzone-folder = A whole folder
dropzone-folder-hint = Choose or drop a folder; its sub-folders are kept in the file names.
pick-folder = Choose a folder
chosen-heading = Chosen files
upload-progress = Upload progress

## The sender's receipt
receipt-title = Receipt
receipt-heading = Receipt: { $headline }
receipt-files = { $count ->
    [one] 1 file
   *[other] { $count } files
}
receipt-received = { $files } received
receipt-already = { $files } already here
receipt-not-accepted = { $files } not accepted
receipt-sent-by = Sent by { $who }
receipt-none = No files were sent.
receipt-file-received = Received
receipt-file-empty = Received, but the file is empty (0 bytes)
receipt-file-skipped = Already here: this file had arrived before, it is not stored twice
receipt-file-scanning = Being scanned for viruses: it will show as received in a moment
receipt-file-checking = Being checked: it will show as received or failed in a moment
receipt-file-not-accepted = Not accepted: { $why }
receipt-file-failed = Failed: { $why }
receipt-file-unknown = unknown reason
receipt-for = for “{ $request }”
receipt-details = Details
receipt-fingerprint = SHA-256 fingerprint:
receipt-email-me = Email me this receipt
receipt-emailed = The receipt is on its way to { $to }.
receipt-email-already = The receipt was already sent to { $to }.

## Links that open nothing, and the error pages a sender sees
link-unknown = This upload link does not exist. Check the address, or ask whoever sent it for a new one.
link-does-not-work = This upload link does not work
link-revoked = { $company } revoked this upload link. Ask them for a new one if you still have documents to send.
link-expired = This upload link expired on { $at }. Ask { $company } for a new one.
link-company-inactive = This upload link no longer works: its company is not active on Hopper.
link-project-removed = This upload link no longer works: its project was removed.
error-help = If you need help, ask whoever sent you the link.
error-not-found = Not found
error-not-allowed = Not allowed
error-bad-request = Bad request
error-not-possible = Not possible now
error-too-large = Too large
error-not-accepted = Not accepted
error-check-form = Check the form
error-too-many = Too many attempts
error-busy = Busy
error-went-wrong = Something went wrong
error-page-missing = The page you asked for does not exist.
error-fields = Some fields need your attention.
error-unexpected = Something went wrong on our side. It has been logged; please try again.
error-too-many-wait = Too many attempts. Please wait { $seconds } seconds and try again.

## Where a received file stands (the receipt)
standing-superseded = superseded: replaced by { $newer }
standing-awaiting = awaiting review
standing-accepted = accepted
standing-rejected-because = rejected: “{ $note }”
standing-rejected = rejected

## The thank-you of a cycle that has everything it requires
thanks-heading = Thank you: everything required has arrived
thanks-complete-since = Complete since { $at }.
thanks-closed = This collection is closed: nothing more can be sent.
thanks-optional-open = You can still send the optional items below, or a new file for an item not yet accepted.
thanks-new-file = You can still send a new file for an item not yet accepted.
thanks-accepted = accepted
thanks-accepted-at = accepted { $at }
thanks-waiting = received, waiting for review
thanks-file-at = received { $at }
thanks-also = Also received:
thanks-still-welcome = Still welcome, if you have them:

## Why a batch of files sent with the form stopped before its end (the receipt's first line).
stop-too-many-files = A batch may hold at most { $max } files; the files after that were not accepted.
stop-file-too-large = { $path } is larger than the limit of { $limit }; it was not stored and the batch stopped there.
stop-idle = The browser sent nothing for { $seconds } s, so the upload was stopped.
stop-too-slow = The upload arrived slower than { $rate }/s, so it was stopped; files that arrived in full are kept.
stop-deadline = The upload took longer than { $minutes } minutes, so it was stopped; files that arrived in full are kept. Send the rest in another batch.
stop-busy = Hopper is busy with other uploads right now; files that arrived in full are kept. Please send the rest again in a minute.
stop-interrupted = The upload was interrupted: { $why }
stop-unreadable = The upload could not be read: { $why }
stop-link-full = { $why } The files after that were not accepted.
